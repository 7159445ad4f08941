"""Reaching one student's AWS account: credentials, clients, retries, timeouts, call counting.

`AwsAccess` is built from an `AwsTarget` (profile / role ARN with external id / the default
credential chain, and an optional endpoint URL such as a moto server). Every client it hands out
carries the read-only guard and the call recorder, so every operation is counted and checked.
"""

from __future__ import annotations

import os
import re
import threading
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlparse

import boto3
import botocore.exceptions
import botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.loaders import Loader

from grader.aws.guard import refuse_writes
from grader.errors import AccessError, InputError

GLOBAL_REGION = "us-east-1"
_ACCOUNT_HOST = re.compile(r"^(https?://)\d{12}\.")
# AWS's documented formats (IAM role ARN, STS ExternalId): checked before anything is sent.
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,576}$")
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")


@dataclass(frozen=True)
class AwsTarget:
    """How to reach a student's account. Nothing here is a secret."""

    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    endpoint_url: str | None = None
    session_name: str = "grader"


class SharedLoader(Loader):
    """botocore's data loader, shared by every session of the process (loading the service
    models per session costs ~0.2 s). Loads are serialised: without that, the first students of
    a batch, starting together, each parse the same large JSON models at once (a 200 MB spike).
    After the first load each call is a cache hit under the lock."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.RLock()

    def load_service_model(self, *args, **kwargs):
        with self._lock:
            return super().load_service_model(*args, **kwargs)

    def load_data_with_path(self, *args, **kwargs):
        with self._lock:
            return super().load_data_with_path(*args, **kwargs)

    def load_data(self, *args, **kwargs):
        with self._lock:
            return super().load_data(*args, **kwargs)

    def list_available_services(self, *args, **kwargs):
        with self._lock:
            return super().list_available_services(*args, **kwargs)

    def list_api_versions(self, *args, **kwargs):
        with self._lock:
            return super().list_api_versions(*args, **kwargs)


_LOADER = SharedLoader()


def known_regions() -> frozenset[str]:
    """Every region botocore knows, in every partition (aws, aws-cn, aws-us-gov, ...)."""
    return frozenset(r for p in _LOADER.load_data("endpoints")["partitions"] for r in p["regions"])


def check_regions(regions: list[str], what: str) -> list[str]:
    """`regions` when every name is a region botocore knows; else InputError naming `what`."""
    known = known_regions()
    unknown = [r for r in regions if r not in known]
    if unknown:
        raise InputError(f"{what}: unknown region {unknown[0]!r} (regions are named like us-east-2 or ca-central-1)")
    return regions


def check_target(target: AwsTarget, endpoint_url: str | None) -> None:
    """InputError for a role ARN, external id or endpoint URL that cannot be right, before any call."""
    if target.role_arn is not None and not _ROLE_ARN.match(target.role_arn):
        raise InputError(f"--role-arn {target.role_arn!r}: not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)")
    if target.external_id is not None and not _EXTERNAL_ID.match(target.external_id):
        raise InputError("--external-id: 2 to 1224 characters among letters, digits and _+=,.@:/- (AWS's format)")
    if endpoint_url is not None:
        parsed = urlparse(endpoint_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise InputError(f"endpoint URL {endpoint_url!r}: not an http:// or https:// URL")


def new_session(**kwargs) -> boto3.Session:
    """A boto3 Session that shares the process's botocore data loader (read-only JSON models)."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    session = boto3.Session(botocore_session=core, **kwargs)
    with _LOADER._lock:  # boto3 appended its data folder once more: keep one copy of each path
        _LOADER._search_paths[:] = list(dict.fromkeys(_LOADER._search_paths))
    return session


def _strip_account_host(request, **_kwargs) -> None:
    """S3 Control prefixes the host with the account id; a local endpoint cannot resolve it."""
    request.url = _ACCOUNT_HOST.sub(r"\1", request.url)


class AwsAccess:
    """Clients for one student's account, with the guard, counting, retries and timeouts."""

    def __init__(
        self,
        target: AwsTarget,
        *,
        max_attempts: int = 5,
        connect_timeout: float = 5,
        read_timeout: float = 30,
        max_pool: int = 16,
        base_session: boto3.Session | None = None,
    ):
        self.target = target
        self.endpoint_url = target.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
        check_target(target, self.endpoint_url)
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str, bool, int | None], object] = {}
        self.operations: Counter[tuple[str, str]] = Counter()
        self.config = Config(
            retries={"mode": "standard", "max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_pool_connections=max_pool,
            s3={"addressing_style": "path"} if self.endpoint_url else {},
        )
        self.session = base_session or self._make_session()

    # -- credentials -------------------------------------------------------------------------
    def _make_session(self) -> boto3.Session:
        t = self.target
        try:
            base = new_session(profile_name=t.profile) if t.profile else new_session()
            base._session.get_scoped_config()  # an unknown profile fails here, not mid-run
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
        return new_session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )

    # -- clients -----------------------------------------------------------------------------
    def _record(self, model, **_kwargs) -> None:
        with self._lock:
            self.operations[(model.service_model.service_name, model.name)] += 1

    def _new_client(self, session: boto3.Session, service: str, region: str, unsigned: bool = False,
                    max_attempts: int | None = None):
        config = self.config.merge(Config(signature_version=UNSIGNED)) if unsigned else self.config
        if max_attempts is not None:
            config = config.merge(Config(retries={"mode": "standard", "max_attempts": max_attempts}))
        client = session.client(service, region_name=region, endpoint_url=self.endpoint_url, config=config)
        events = client.meta.events
        events.register_first("before-call", refuse_writes)
        events.register("before-call", self._record)
        if service == "s3control" and self.endpoint_url:
            events.register("before-send.s3-control", _strip_account_host)
        return client

    def client(self, service: str, region: str | None = None, *, unsigned: bool = False,
               max_attempts: int | None = None):
        """A guarded, counted client. `max_attempts` (retries, as botocore counts them) bounds retries
        below the default, e.g. for an API a local endpoint answers with HTTP 500 (not implemented)."""
        region = region or GLOBAL_REGION
        key = (service, region, unsigned, max_attempts)
        with self._lock:
            found = self._clients.get(key)
        if found is not None:
            return found
        made = self._new_client(self.session, service, region, unsigned, max_attempts)
        with self._lock:
            return self._clients.setdefault(key, made)

    @property
    def api_calls(self) -> int:
        with self._lock:
            return sum(self.operations.values())

    def offered_regions(self, service: str = "sagemaker") -> list[str]:
        return sorted(self.session.get_available_regions(service))
