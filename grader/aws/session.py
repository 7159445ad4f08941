"""Reaching one student's AWS account: credentials, clients, retries, timeouts, call counting.

`AwsAccess` is built from an `AwsTarget` (profile / role ARN with external id / the default
credential chain, and an optional endpoint URL such as a moto server). Every client it hands out
carries the read-only guard and the call recorder, so every operation is counted and checked.

An endpoint that is not AWS (moto, in the demo and the tests) needs adjustments AWS does not:
they come from `ClientHooks`, given to `AwsAccess(client_hooks=...)` or named by the
`GRADER_CLIENT_HOOKS` environment variable (`module:attribute`, which the demo and the tests set;
see grader/demo/moto_hooks.py). The grading path itself installs none. Hooks run after the guard
is registered first, and cannot remove it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import botocore.exceptions
import botocore.session
from botocore import UNSIGNED
from botocore.config import Config

from grader.aws import environ, headers, timestamps
from grader.aws.guard import refuse_writes
from grader.aws.sharing import session_handlers, share_aliases, share_handlers, shared_loader
from grader.errors import AccessError, InputError, ReadOnlyViolation

headers.install()  # response headers without the e-mail parser where that changes nothing

GLOBAL_REGION = "us-east-1"
HOOKS_VARIABLE = "GRADER_CLIENT_HOOKS"

# With --endpoint-url (a moto server, a proxy, any endpoint that is not AWS's own host names), the
# host cannot carry a bucket name or an account id: S3 is addressed by path, and the account id
# that S3 Control's endpoint rules put in front of the host (`<account>.<endpoint>`) is removed
# before the request is sent.
CUSTOM_ENDPOINT_CONFIG = {"s3": Config(s3={"addressing_style": "path"})}
_ACCOUNT_HOST = re.compile(r"^(https?://)\d{12}\.")


def _strip_account_host(request: Any, **_kwargs: Any) -> None:
    request.url = _ACCOUNT_HOST.sub(r"\1", request.url)


# AWS's documented formats (IAM role ARN, STS ExternalId), checked before anything is sent: ASCII
# only, matched whole (`fullmatch`: no trailing newline slips through `$`): the three partitions
# a role can live in, a 12-digit account, an optional path of `/`-separated segments (512
# characters at most) and a role name of 1-64 characters among letters, digits and _+=,.@-; an
# external id of 2-1224 characters of [\w+=,.@:/-].
_ROLE_ARN = re.compile(r"arn:(?:aws|aws-cn|aws-us-gov):iam::\d{12}:role/(?=[\w+=,.@/-]{1,576}$)"
                       r"(?:[\w+=,.@-]{1,512}/){0,64}[\w+=,.@-]{1,64}", re.ASCII)
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)


@dataclass(frozen=True)
class AwsTarget:
    """How to reach a student's account. Nothing here is a secret."""

    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    endpoint_url: str | None = None
    session_name: str = "grader"


class ClientHooks:
    """Adjustments of the clients for an endpoint that is not AWS. This base changes nothing.

    `config` may return extra botocore Config for a client made for `service` (and, when the
    caller names it, the one `operation` the client is for); `install` may register event
    handlers on a new client (after the read-only guard, which is registered first)."""

    def config(self, access: AwsAccess, service: str, operation: str | None) -> Config | None:
        return None

    def install(self, access: AwsAccess, service: str, client: Any, *, unsigned: bool) -> None:
        return None


def hooks_from_environment() -> ClientHooks | None:
    """The hooks named by GRADER_CLIENT_HOOKS (`module:attribute`), or None when it is unset."""
    spec = os.environ.get(HOOKS_VARIABLE, "").strip()
    if not spec:
        return None
    module, _, attribute = spec.partition(":")
    try:
        hooks = getattr(importlib.import_module(module), attribute or "HOOKS")
    except (ImportError, AttributeError) as exc:
        raise InputError(f"{HOOKS_VARIABLE}={spec!r}: cannot load client hooks ({exc})") from None
    if not isinstance(hooks, ClientHooks):
        raise InputError(f"{HOOKS_VARIABLE}={spec!r}: not a ClientHooks object")
    return hooks


def check_target(target: AwsTarget, endpoint_url: str | None) -> None:
    """InputError for a role ARN, external id or endpoint URL that cannot be right, before any call."""
    if target.role_arn is not None and not _ROLE_ARN.fullmatch(target.role_arn):
        raise InputError(f"--role-arn {target.role_arn!r}: not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)")
    if target.external_id is not None and not _EXTERNAL_ID.fullmatch(target.external_id):
        raise InputError("--external-id: 2 to 1224 characters among letters, digits and _+=,.@:/- (AWS's format)")
    if endpoint_url is not None:
        parsed = urlparse(endpoint_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise InputError(f"endpoint URL {endpoint_url!r}: not an http:// or https:// URL")


def new_session(*, profile_name: str | None = None, region_name: str | None = None,
                aws_access_key_id: str | None = None, aws_secret_access_key: str | None = None,
                aws_session_token: str | None = None) -> botocore.session.Session:
    """A botocore session whose clients share what botocore would build for each
    (grader.aws.sharing): the data loader, client classes, service models, endpoint rule sets,
    the builtin handlers. botocore's own, not boto3's: boto3 adds resources and S3 transfers the
    grader never uses, and importing it (with s3transfer) cost a tenth of a second in each
    process. The arguments are boto3.Session's."""
    core = botocore.session.Session(event_hooks=session_handlers(), include_builtin_handlers=False,
                                    profile=profile_name)
    core._grader_lock = threading.RLock()  # held while a client is made from it (AwsAccess._new_client)
    core.register_component("data_loader", shared_loader())
    core.get_component("event_emitter")._grader_session = True  # its clients share what they can
    share_handlers(core)
    share_aliases(core)
    timestamps.install(core)
    environ.install(core)
    if region_name is not None:
        core.set_config_variable("region", region_name)
    if aws_access_key_id is not None or aws_secret_access_key is not None or aws_session_token is not None:
        core.set_credentials(aws_access_key_id, aws_secret_access_key, aws_session_token)
    return core


# The caller's sessions, one per profile, shared by the students a process grades (see
# `base_session`), and what the configuration they read was read from.
_BASES: dict[tuple[str | None, bytes], botocore.session.Session] = {}
_BASES_LOCK = threading.Lock()
MAX_BASE_SESSIONS = 64
_CONFIG_FILES = (("AWS_CONFIG_FILE", "~/.aws/config"), ("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"))


def _configuration_key() -> bytes:
    """A digest of what a session reads its configuration and credentials from: the AWS_*
    environment variables and the config files' size and modification time (a digest: the
    variables may hold secrets, which are not kept here a second time)."""
    h = hashlib.sha256()
    for name, value in sorted(os.environ.items()):
        if name.startswith("AWS_"):
            h.update(f"{name}={value}\0".encode("utf-8", "surrogateescape"))
    for variable, default in _CONFIG_FILES:
        try:
            st = os.stat(os.path.expanduser(os.environ.get(variable) or default))
            h.update(f"{st.st_size}:{st.st_mtime_ns}\0".encode())
        except OSError:
            h.update(b"-\0")
    return h.digest()


def base_session(profile: str | None) -> botocore.session.Session:
    """The caller's session for `profile` (None: the default chain): made once per process and
    configuration, and shared by every student graded with it. A student's own clients are made
    from it, with the student's assumed role's credentials (or the profile's, for a profile
    row); what it holds is the caller's: the profile's settings and credentials, resolved once
    (the first client of a new session took about 1.5 ms more than the next ones, most of it
    resolving the credential chain). A changed AWS_* variable or config file makes a new one.
    Its clients are made under its lock (`_new_client`): a botocore session is not safe to make
    clients from in several threads at once. ProfileNotFound for an unknown profile."""
    key = (profile, _configuration_key())
    with _BASES_LOCK:
        found = _BASES.get(key)
    if found is not None:
        return found
    made = new_session(profile_name=profile)
    made.get_scoped_config()  # an unknown profile fails here, not mid-run
    with _BASES_LOCK:
        if len(_BASES) >= MAX_BASE_SESSIONS:
            _BASES.clear()
        return _BASES.setdefault(key, made)


def _forget_base_sessions() -> None:
    """In a forked child: sessions of its own (a credential provider may hold connections)."""
    global _BASES_LOCK
    _BASES_LOCK = threading.Lock()
    _BASES.clear()


os.register_at_fork(after_in_child=_forget_base_sessions)


class AwsAccess:
    """Clients for one student's account, with the guard, counting, retries and timeouts."""

    def __init__(
        self,
        target: AwsTarget,
        *,
        max_attempts: int = 5,
        connect_timeout: float = 5,
        read_timeout: float = 30,
        max_pool: int = 256,  # per host, shared by the clients of the process (sharing.SharedHTTPSession)
        base_session: botocore.session.Session | None = None,
        client_hooks: ClientHooks | None = None,
    ):
        self.target = target
        self.endpoint_url = target.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
        check_target(target, self.endpoint_url)
        self.hooks = client_hooks if client_hooks is not None else (hooks_from_environment() or ClientHooks())
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str, bool, str | None], object] = {}
        self._identity: dict[str, Any] | None = None
        self._credentials: dict[str, str] = {}  # an assumed role's, given to each client
        self.operations: Counter[tuple[str, str]] = Counter()
        self.config = Config(
            retries={"mode": "standard", "max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_pool_connections=max_pool,
        )
        self.session = base_session or self._make_session()

    # -- credentials -------------------------------------------------------------------------
    def _make_session(self) -> botocore.session.Session:
        t = self.target
        try:
            base = base_session(t.profile)
        except botocore.exceptions.ProfileNotFound:
            raise InputError(f"AWS profile {t.profile!r} is not configured") from None
        if not t.role_arn:
            return base
        sts = self._new_client(base, "sts", GLOBAL_REGION)
        kwargs = {"RoleArn": t.role_arn, "RoleSessionName": t.session_name[:64]}
        if t.external_id:
            kwargs["ExternalId"] = t.external_id
        try:
            creds = sts.assume_role(**kwargs)["Credentials"]
        except botocore.exceptions.ClientError as exc:
            err = exc.response.get("Error", {})
            raise AccessError(f"cannot assume role {t.role_arn}: {err.get('Code')}: {err.get('Message')}") from None
        except botocore.exceptions.ParamValidationError as exc:
            raise InputError(f"--role-arn/--external-id: {str(exc).splitlines()[-1].strip()}") from None
        except botocore.exceptions.NoCredentialsError:
            raise AccessError(f"cannot assume role {t.role_arn}: no AWS credentials found") from None
        except botocore.exceptions.BotoCoreError as exc:
            raise AccessError(f"cannot assume role {t.role_arn}: {exc}") from None
        # the same session, the role's credentials given to each client (no second session)
        self._credentials = {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
                             "aws_session_token": creds["SessionToken"]}
        return base

    # -- clients -----------------------------------------------------------------------------
    def _record(self, model, **_kwargs) -> None:
        with self._lock:
            self.operations[(model.service_model.service_name, model.name)] += 1

    def _new_client(self, session: botocore.session.Session, service: str, region: str, unsigned: bool = False,
                    operation: str | None = None):
        config = self.config.merge(Config(signature_version=UNSIGNED)) if unsigned else self.config
        if self.endpoint_url and service in CUSTOM_ENDPOINT_CONFIG:  # a local endpoint or proxy, not AWS's names
            config = config.merge(CUSTOM_ENDPOINT_CONFIG[service])
        extra = self.hooks.config(self, service, operation)
        if extra is not None:
            config = config.merge(extra)
        creds = {} if unsigned else self._credentials
        with getattr(session, "_grader_lock", None) or contextlib.nullcontext():
            client = session.create_client(service, region_name=region, endpoint_url=self.endpoint_url,
                                           config=config, **creds)
        events = client.meta.events
        events.register_first("before-call", refuse_writes)
        events.register("before-call", self._record)
        if self.endpoint_url and service == "s3control":
            events.register("before-send.s3-control", _strip_account_host)
        self.hooks.install(self, service, client, unsigned=unsigned)
        return client

    def client(self, service: str, region: str | None = None, *, unsigned: bool = False,
               operation: str | None = None):
        """A guarded, counted client. `operation` names the one operation the client is made for,
        so that hooks can adjust it (e.g. fewer retries for an API a local endpoint lacks)."""
        region = region or GLOBAL_REGION
        if operation is not None and self.hooks.config(self, service, operation) is None:
            operation = None  # nothing special: the service's shared client
        key = (service, region, unsigned, operation)
        with self._lock:
            found = self._clients.get(key)
        if found is not None:
            return found
        made = self._new_client(self.session, service, region, unsigned, operation)
        with self._lock:
            return self._clients.setdefault(key, made)

    def identity(self) -> dict[str, Any]:
        """STS GetCallerIdentity (once): whose account the credentials reach. AccessError when no
        identity can be had: then nothing can be graded."""
        if self._identity is None:
            from grader.aws.calls import describe_error

            sts = self.client("sts", GLOBAL_REGION)
            try:
                self._identity = sts.get_caller_identity()
            except ReadOnlyViolation:
                raise
            except Exception as exc:  # noqa: BLE001 - no identity means no grading at all
                reason, _ = describe_error(exc)
                raise AccessError(f"cannot reach the AWS account: {reason}") from None
        return self._identity

    def frozen_credentials(self) -> tuple[str, str, str | None] | None:
        """(access key id, secret key, session token) the signed clients use (an assumed role's,
        else the session's), or None when there are none."""
        if self._credentials:
            c = self._credentials
            return c["aws_access_key_id"], c["aws_secret_access_key"], c.get("aws_session_token")
        found = self.session.get_credentials()
        if found is None:
            return None
        frozen = found.get_frozen_credentials()
        return frozen.access_key, frozen.secret_key, frozen.token

    @property
    def account_id(self) -> str | None:
        """The account id, once `identity()` has been asked (None before, or when STS gave none)."""
        return (self._identity or {}).get("Account")

    @property
    def api_calls(self) -> int:
        with self._lock:
            return sum(self.operations.values())

    def offered_regions(self, service: str = "sagemaker") -> list[str]:
        return sorted(self.session.get_available_regions(service))
