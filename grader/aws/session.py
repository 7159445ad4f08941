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

import boto3
import botocore.exceptions
import botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.loaders import create_loader

from grader.aws.guard import refuse_writes
from grader.errors import AccessError, InputError

GLOBAL_REGION = "us-east-1"
_ACCOUNT_HOST = re.compile(r"^(https?://)\d{12}\.")


@dataclass(frozen=True)
class AwsTarget:
    """How to reach a student's account. Nothing here is a secret."""

    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    endpoint_url: str | None = None
    session_name: str = "grader"


_LOADER = create_loader()  # service models, shared: loading them per session costs ~0.2 s


def new_session(**kwargs) -> boto3.Session:
    """A boto3 Session that shares the process's botocore data loader (read-only JSON models)."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    return boto3.Session(botocore_session=core, **kwargs)


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
