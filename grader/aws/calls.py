"""One way to call AWS: errors become FactError (a status, never a silent pass or fail), and
results are cached per run so each fact is fetched once, even when threads ask at once."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import botocore.exceptions

from grader.errors import FactError, ReadOnlyViolation

# Codes that mean "does not exist / not configured": the caller decides what they mean.
NOT_FOUND_CODES = frozenset(
    {
        "NoSuchEntity",
        "NoSuchBucket",
        "NoSuchKey",
        "NoSuchBucketPolicy",
        "NoSuchPublicAccessBlockConfiguration",
        "OwnershipControlsNotFoundError",
        "ValidationException",
        "ResourceNotFound",
        "404",
        "NotFound",
    }
)


# How the reasons of transient failures begin: the read may well succeed if the grader runs again,
# so a check must not read "could not be read" as "not offered here" (that is `error`, not `warn`).
THROTTLED = "throttled past retries"
TIMED_OUT = "the service timed out"
UNREACHABLE = "the service could not be reached"
TRANSIENT = (THROTTLED, TIMED_OUT, UNREACHABLE)
THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled",
                              "RequestThrottledException", "SlowDown", "TooManyRequestsException",
                              "RequestLimitExceeded", "ProvisionedThroughputExceededException",
                              "BandwidthLimitExceeded", "EC2ThrottledException"})


def is_transient(reason: str) -> bool:
    """Whether a reason made by `describe_error` is a transient failure (throttling past retries,
    a timeout, no connection) rather than an answer (denied, not implemented, not found)."""
    return reason.startswith(TRANSIENT)


def describe_error(exc: BaseException) -> tuple[str, str | None]:
    """A one-line reason and an error code for any failure of an AWS call."""
    if isinstance(exc, botocore.exceptions.ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        msg = err.get("Message") or ""
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in THROTTLING_CODES:
            return f"{THROTTLED} ({code})", code
        if code in {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "403"}:
            return f"access denied ({code}{': ' + msg if msg else ''})", code
        if status and int(status) >= 500:
            return f"the service failed (HTTP {status} {code}); the API may be unavailable or not implemented", code
        return f"{code}: {msg}".strip(": "), code
    if isinstance(exc, NotImplementedError):
        return "the endpoint does not implement this API", "NotImplemented"
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return "no AWS credentials found", "NoCredentials"
    if isinstance(exc, botocore.exceptions.ReadTimeoutError | botocore.exceptions.ConnectTimeoutError):
        return f"{TIMED_OUT} ({type(exc).__name__})", "Timeout"  # before ConnectionError: a subclass
    if isinstance(exc, botocore.exceptions.EndpointConnectionError | botocore.exceptions.ConnectionError):
        url = str(getattr(exc, "kwargs", {}).get("endpoint_url") or "").split("?", 1)[0]
        at = f" at {url}" if url else ""
        return f"{UNREACHABLE}{at} ({type(exc).__name__})", "ConnectionError"
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return f"{type(exc).__name__}: {exc}", type(exc).__name__
    return f"{type(exc).__name__}: {exc}", type(exc).__name__


def aws_call(what: str, func: Callable[..., Any], /, *args: Any, not_found: Any = FactError, **kwargs: Any) -> Any:
    """Run one AWS call. A not-found error returns `not_found` when given; anything else that
    fails raises FactError(what, reason). The read-only guard's refusal is never swallowed."""
    try:
        return func(*args, **kwargs)
    except ReadOnlyViolation:
        raise
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, NotImplementedError) as exc:
        reason, code = describe_error(exc)
        if not_found is not FactError and code in NOT_FOUND_CODES:
            return not_found
        raise FactError(what, reason, code) from exc


def paginator(client: Any, operation: str) -> Any:
    """The client's paginator of `operation`, made once per client: botocore's `get_paginator`
    builds a new documented paginator class at each call. A paginator holds no state of a
    pagination (each `paginate()` starts its own), so one serves every thread."""
    made = client.__dict__.setdefault("_grader_paginators", {})
    found = made.get(operation)
    if found is None:
        found = made.setdefault(operation, client.get_paginator(operation))
    return found


def paginate(what: str, client: Any, operation: str, key: str, limit: int | None = None, **kwargs: Any) -> list[Any]:
    """All items under `key` across pages (at most `limit`), as one fact."""

    def run() -> list[Any]:
        out: list[Any] = []
        for page in paginator(client, operation).paginate(**kwargs):
            out.extend(page.get(key, []))
            if limit is not None and len(out) >= limit:
                return out[:limit]
        return out

    return aws_call(what, run)


class _Slot:
    __slots__ = ("lock", "done", "value", "error")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = False
        self.value: Any = None
        self.error: BaseException | None = None


def cached(method: Callable[..., Any]) -> Callable[..., Any]:
    """Cache a fact method per instance and arguments; errors are cached too (one AccessDenied
    is not asked again by every check). Concurrent callers of one key wait for the first."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> Any:
        key = (method.__name__, args)
        with self._cache_lock:
            slot = self._cache.get(key)
            if slot is None:
                slot = self._cache[key] = _Slot()
        with slot.lock:
            if not slot.done:
                try:
                    slot.value = method(self, *args)
                except FactError as exc:
                    slot.error = exc
                slot.done = True
        if slot.error is not None:
            raise slot.error
        return slot.value

    return wrapper


class CachedFacts:
    """Base for fact collectors: gives `cached` its per-instance storage."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, tuple[Any, ...]], _Slot] = {}
        self._cache_lock = threading.Lock()
