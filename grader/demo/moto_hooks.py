"""Client hooks for moto as the endpoint (the demo and the tests): what moto needs and AWS does not.

`grader.demo.moto_env.configure_moto` names `MOTO_HOOKS` in GRADER_CLIENT_HOOKS, so every
`AwsAccess` of the demo and the tests gets them; tests may also pass `AwsAccess(client_hooks=MOTO_HOOKS)`.
The grading path never imports this module.

With a moto server (an endpoint URL; path-style S3 and no S3 Control host prefix are the AWS
layer's own rule for any --endpoint-url, grader.aws.session.CUSTOM_ENDPOINT_CONFIG):

- moto keeps a bucket namespace per account and files an unsigned request under its default
  account; the anonymous GET of `s3-public-object` names the graded account in `x-moto-account-id`.

Always (the server and in-process moto):

- moto does not implement ListApps (HTTP 500, which botocore retries): one attempt only, so an
  unavailable API costs a second, not minutes.
"""

from __future__ import annotations

from typing import Any

from botocore.config import Config

from grader.aws.session import AwsAccess, ClientHooks

SINGLE_ATTEMPT = {("sagemaker", "ListApps")}


class MotoHooks(ClientHooks):
    def config(self, access: AwsAccess, service: str, operation: str | None) -> Config | None:
        if (service, operation) in SINGLE_ATTEMPT:
            return Config(retries={"mode": "standard", "max_attempts": 1})
        return None

    def install(self, access: AwsAccess, service: str, client: Any, *, unsigned: bool) -> None:
        if not access.endpoint_url:
            return  # in-process moto (mock_aws) answers AWS's own host names
        if service == "s3" and unsigned:
            def name_account(request: Any, **_kwargs: Any) -> None:
                if access.account_id:
                    request.headers["x-moto-account-id"] = access.account_id

            client.meta.events.register("before-send.s3.GetObject", name_account, unique_id="grader-anon-acct")


MOTO_HOOKS = MotoHooks()
