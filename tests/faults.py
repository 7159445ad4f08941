"""Fault injection with botocore event hooks (moto has none built in; see moto-notes).

A `before-send` handler that returns an AWSResponse short-circuits the HTTP request; it runs
inside botocore's retry loop, so retries apply exactly as they would against AWS.
"""

from __future__ import annotations

import itertools
import json
import threading
from urllib.parse import urlsplit

from botocore.awsrequest import AWSResponse

from grader.aws.session import new_session

JSON_SERVICES = {"sagemaker"}


class _Raw:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_kw):
        yield self.body

    def read(self, *_a, **_kw):
        return self.body


def error_response(service: str, code: str, status: int, message: str = "injected fault") -> AWSResponse:
    if service in JSON_SERVICES:
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code}
    elif service in ("s3", "s3-control", "s3control"):
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
        headers = {"Content-Type": "application/xml"}
    else:  # query protocol (IAM, STS, EC2)
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                f"</Error><RequestId>r</RequestId></ErrorResponse>").encode()
        headers = {"Content-Type": "text/xml"}
    return AWSResponse("https://injected", status, headers, _Raw(body))


THROTTLE = {"iam": ("Throttling", 400), "sts": ("Throttling", 400), "ec2": ("RequestLimitExceeded", 503),
            "s3": ("SlowDown", 503), "s3-control": ("SlowDown", 503), "sagemaker": ("ThrottlingException", 400)}


def own_events(access):
    """The event emitter of a session of `access`'s own, which its clients are made from from now
    on. The session an access starts with is its caller's (grader.aws.session.base_session),
    shared by every access of the process: a fault registered there would reach them all."""
    if not getattr(access, "_own_session", False):
        access.session = new_session(profile_name=access.target.profile)
        access._own_session = True
    return access.session.get_component("event_emitter")


class Faults:
    """Inject faults into every client an AwsAccess makes (register before the first client)."""

    def __init__(self, access):
        self.access = access
        self.lock = threading.Lock()
        self.injected = 0
        self.attempts = 0  # requests seen by random_throttle

    def _register(self, event: str, handler) -> None:
        own_events(self.access).register_first(event, handler)

    def fail(self, service: str, operation: str | None, code: str, status: int, times: int | None = None) -> None:
        """Fail `operation` (every operation of the service when None) `times` times (always when None)."""
        counter = itertools.count()

        def handler(**_kw):
            with self.lock:
                n = next(counter)
                if times is not None and n >= times:
                    return None
                self.injected += 1
            return error_response(service, code, status)

        self._register(f"before-send.{service}" + (f".{operation}" if operation else ""), handler)

    def throttle(self, service: str, operation: str | None = None, times: int | None = None) -> None:
        code, status = THROTTLE[service]
        self.fail(service, operation, code, status, times)

    def deny(self, service: str, operation: str) -> None:
        code = "AccessDeniedException" if service in JSON_SERVICES else "AccessDenied"
        self.fail(service, operation, code, 403)

    def timeout(self, service: str, operation: str | None, kind: str = "connect", times: int | None = None) -> None:
        """Make `operation` time out `times` times (always when None), as a dead network would:
        `kind` "connect" raises botocore's ConnectTimeoutError, "read" its ReadTimeoutError. Raised
        from `before-send`, i.e. where urllib3 would raise it, so botocore's retries apply."""
        from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

        counter = itertools.count()

        def handler(request, **_kw):
            with self.lock:
                if times is not None and next(counter) >= times:
                    return None
                self.injected += 1
            if kind == "read":
                raise ReadTimeoutError(endpoint_url=request.url, error="injected read timeout")
            raise ConnectTimeoutError(endpoint_url=request.url, error="injected connect timeout")

        self._register(f"before-send.{service}" + (f".{operation}" if operation else ""), handler)

    def random_throttle(self, rate: float, seed: int = 0, max_in_row: int = 3) -> None:
        """Throttle a random `rate` share of all attempts, never the same call more than `max_in_row`
        times in a row (an attempt after that always goes through).

        The draw is a seeded hash of (seed, operation, region, URL path and query, body, attempt
        number), not a shared random stream, so a given seed throttles the same requests whatever
        order the grader's threads send them in, and on every run: the server's host and port (a
        free port, different each run) and the credentials in the signature are left out. The cap keeps the test about transient faults: with 20% throttling
        and no cap, 6 failures in a row (past the default 5 retries) would hit about 1 call in
        15,000, a real failure that the grader must report as `error`, which other tests cover.
        botocore numbers attempts in the `amz-sdk-request: attempt=N` header.
        """
        import hashlib

        def handler(request, **kw):
            event = kw["event_name"]
            service = event.split(".")[1]
            header = request.headers.get("amz-sdk-request", b"")
            header = header.decode() if isinstance(header, bytes) else str(header)
            attempt = int(header.split("attempt=")[1].split(";")[0]) if "attempt=" in header else 1
            body = request.body if isinstance(request.body, bytes | str) else b""
            url = urlsplit(request.url)
            auth = request.headers.get("Authorization", b"")
            auth = auth.decode() if isinstance(auth, bytes) else str(auth)
            scope = auth.split("Credential=", 1)[1].split(",")[0].split("/") if "Credential=" in auth else []
            region = scope[2] if len(scope) > 2 else ""  # AKID/date/region/service/aws4_request
            where = f"{region}|{url.path}?{url.query}"
            digest = hashlib.sha256(f"{seed}|{event}|{where}|{attempt}|".encode() + (
                body.encode() if isinstance(body, str) else body)).digest()
            hit = int.from_bytes(digest[:8], "big") / 2**64 < rate and attempt <= max_in_row
            with self.lock:
                self.attempts += 1
                if hit and service in THROTTLE:
                    self.injected += 1
            if hit and service in THROTTLE:
                code, status = THROTTLE[service]
                return error_response(service, code, status)
            return None

        self._register("before-send", handler)
