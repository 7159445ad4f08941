"""Per-run, cached raw facts about one student's account: one collector per service, each
answer fetched once. The derived facts (grader.facts) are computed from these; checks read both
and never call AWS.

Every method returns plain data or raises FactError (the engine turns that into `error`).
"Does not exist" answers are data (None / empty), not errors.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from grader.aws.calls import CachedFacts, aws_call, cached, describe_error, paginate
from grader.aws.session import GLOBAL_REGION, AwsAccess
from grader.errors import FactError, ReadOnlyViolation

MISSING = None
POLICY_STATUS_UNREPORTED = "PolicyStatusUnreported"


class IamFacts(CachedFacts):
    def __init__(self, access: AwsAccess):
        super().__init__()
        self.c = access.client("iam")

    @cached
    def users(self) -> list[dict[str, Any]]:
        return paginate("IAM users (ListUsers)", self.c, "list_users", "Users")

    def find_user(self, name: str) -> dict[str, Any] | None:
        """The user whose name equals `name` case-insensitively (IAM names are unique that way)."""
        return next((u for u in self.users() if u["UserName"].lower() == name.lower()), None)

    @cached
    def groups_for_user(self, user: str) -> list[dict[str, Any]]:
        return paginate(f"groups of {user}", self.c, "list_groups_for_user", "Groups", UserName=user)

    @cached
    def group_policies(self, group: str) -> list[dict[str, Any]]:
        return paginate(
            f"policies of group {group}", self.c, "list_attached_group_policies", "AttachedPolicies", GroupName=group
        )

    @cached
    def user_policies(self, user: str) -> list[dict[str, Any]]:
        return paginate(
            f"policies of user {user}", self.c, "list_attached_user_policies", "AttachedPolicies", UserName=user
        )

    @cached
    def login_profile(self, user: str) -> dict[str, Any] | None:
        resp = aws_call(f"console access of {user}", self.c.get_login_profile, UserName=user, not_found=MISSING)
        return resp["LoginProfile"] if resp else None

    @cached
    def access_keys(self, user: str) -> list[dict[str, Any]]:
        return paginate(f"access keys of {user}", self.c, "list_access_keys", "AccessKeyMetadata", UserName=user)

    @cached
    def account_summary(self) -> dict[str, int]:
        return aws_call("account summary", self.c.get_account_summary)["SummaryMap"]


class S3Facts(CachedFacts):
    def __init__(self, access: AwsAccess, account_id: str | None):
        super().__init__()
        self.access = access
        self.account_id = account_id
        self.c = access.client("s3")

    def _client(self, bucket: str):
        """A client in the bucket's own region (no cross-region redirects on real AWS)."""
        return self.access.client("s3", self.bucket_region(bucket))

    @staticmethod
    def _not_directory(bucket: str) -> None:
        """FactError for an S3 Express directory bucket's name (`--x-s3`): botocore signs its calls
        with a CreateSession session, which the read-only guard refuses; only its items are affected."""
        if bucket.endswith("--x-s3"):
            raise FactError(f"bucket {bucket}", "its name is an S3 Express directory bucket's (--x-s3): its API needs "
                            "a CreateSession call, which the read-only grader never makes")

    @cached
    def buckets(self) -> list[dict[str, Any]]:
        return aws_call("S3 buckets (ListBuckets)", self.c.list_buckets).get("Buckets", [])

    @cached
    def bucket_region(self, bucket: str) -> str:
        self._not_directory(bucket)
        listed = next((b for b in self.buckets() if b["Name"] == bucket), {})
        if listed.get("BucketRegion"):
            return listed["BucketRegion"]
        resp = aws_call(f"region of bucket {bucket}", self.c.get_bucket_location, Bucket=bucket)
        loc = resp.get("LocationConstraint")
        return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(loc, loc)

    @cached
    def account_public_access_block(self) -> dict[str, bool] | None:
        if not self.account_id:
            raise FactError("account-level Block Public Access", "the account id is unknown")
        ctl = self.access.client("s3control")
        resp = aws_call(
            "account-level Block Public Access (S3 Control)",
            ctl.get_public_access_block,
            AccountId=self.account_id,
            not_found=MISSING,
        )
        return resp["PublicAccessBlockConfiguration"] if resp else None

    @cached
    def public_access_block(self, bucket: str) -> dict[str, bool] | None:
        resp = aws_call(
            f"Block Public Access of {bucket}", self._client(bucket).get_public_access_block, Bucket=bucket,
            not_found=MISSING,
        )
        return resp["PublicAccessBlockConfiguration"] if resp else None

    @cached
    def policy_status(self, bucket: str) -> bool | None:
        """GetBucketPolicyStatus's IsPublic; None when the bucket has no policy. An answer without
        IsPublic (moto answers `{}`) raises FactError with code POLICY_STATUS_UNREPORTED, so a
        check can fall back to reading the policy itself."""
        what = f"policy status of {bucket}"
        resp = aws_call(what, self._client(bucket).get_bucket_policy_status, Bucket=bucket, not_found=MISSING)
        if not resp:
            return None
        status = resp.get("PolicyStatus") or {}
        if "IsPublic" not in status:
            raise FactError(what, "the endpoint answered without IsPublic", POLICY_STATUS_UNREPORTED)
        return bool(status["IsPublic"])

    @cached
    def policy(self, bucket: str) -> dict[str, Any] | None:
        resp = aws_call(f"policy of {bucket}", self._client(bucket).get_bucket_policy, Bucket=bucket, not_found=MISSING)
        if not resp:
            return None
        try:
            return json.loads(resp["Policy"])
        except (ValueError, TypeError) as exc:
            raise FactError(f"policy of {bucket}", f"the policy is not valid JSON ({exc})") from None

    @cached
    def acl(self, bucket: str) -> list[dict[str, Any]]:
        return aws_call(f"ACL of {bucket}", self._client(bucket).get_bucket_acl, Bucket=bucket).get("Grants", [])

    @cached
    def ownership(self, bucket: str) -> str | None:
        resp = aws_call(
            f"object ownership of {bucket}", self._client(bucket).get_bucket_ownership_controls, Bucket=bucket,
            not_found=MISSING,
        )
        if not resp:
            return None
        rules = resp.get("OwnershipControls", {}).get("Rules", [])
        return rules[0].get("ObjectOwnership") if rules else None

    @cached
    def objects(self, bucket: str, prefix: str = "", limit: int = 50) -> list[dict[str, Any]]:
        """Up to `limit` objects under `prefix` (one ListObjectsV2 page for limit <= 1000)."""
        return paginate(
            f"objects of {bucket}", self._client(bucket), "list_objects_v2", "Contents", limit=limit,
            Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": min(limit, 1000)},
        )

    @cached
    def object_acl(self, bucket: str, key: str) -> list[dict[str, Any]]:
        return aws_call(
            f"ACL of s3://{bucket}/{key}", self._client(bucket).get_object_acl, Bucket=bucket, Key=key
        ).get("Grants", [])

    @cached
    def head_object(self, bucket: str, key: str) -> dict[str, Any] | None:
        return aws_call(
            f"s3://{bucket}/{key}", self._client(bucket).head_object, Bucket=bucket, Key=key, not_found=MISSING
        )

    @cached
    def object_bytes(self, bucket: str, key: str, max_bytes: int = 8 * 1024 * 1024) -> bytes | None:
        """The object's first `max_bytes` bytes, or None when it does not exist."""
        resp = aws_call(
            f"s3://{bucket}/{key}", self._client(bucket).get_object, Bucket=bucket, Key=key,
            Range=f"bytes=0-{max_bytes - 1}", not_found=MISSING,
        )
        return resp["Body"].read() if resp else None

    @cached
    def anonymous_get(self, bucket: str, key: str) -> dict[str, Any]:
        """An unsigned GET of the object's first byte (`Range: bytes=0-0`), as data:
        {"ok", "http_status" (None when no HTTP answer came), "code", "answer" (one line)}.
        A refusal (403) and a failure to ask (no connection, timeout, 5xx) are told apart by
        `http_status`; neither raises."""
        client = self.access.client("s3", self.bucket_region(bucket), unsigned=True)
        try:
            resp = client.get_object(Bucket=bucket, Key=key, Range="bytes=0-0")
            resp["Body"].read()
            status = resp["ResponseMetadata"]["HTTPStatusCode"]
            return {"ok": True, "http_status": status, "code": None, "answer": f"HTTP {status}"}
        except ReadOnlyViolation:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure means "not readable anonymously"
            reason, code = describe_error(exc)
            status = getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
            return {"ok": False, "http_status": status, "code": code, "answer": reason}


class SageMakerFacts(CachedFacts):
    """SageMaker resources, per region. Each list is one fact per region."""

    def __init__(self, access: AwsAccess):
        super().__init__()
        self.access = access

    def _c(self, region: str):
        return self.access.client("sagemaker", region)

    @cached
    def training_jobs(self, region: str) -> list[dict[str, Any]]:
        return paginate(f"training jobs in {region}", self._c(region), "list_training_jobs", "TrainingJobSummaries")

    @cached
    def training_job(self, region: str, name: str) -> dict[str, Any]:
        return aws_call(f"training job {name} in {region}", self._c(region).describe_training_job, TrainingJobName=name)

    @cached
    def endpoints(self, region: str) -> list[dict[str, Any]]:
        return paginate(f"endpoints in {region}", self._c(region), "list_endpoints", "Endpoints")

    @cached
    def endpoint_configs(self, region: str) -> list[dict[str, Any]]:
        return paginate(f"endpoint configs in {region}", self._c(region), "list_endpoint_configs", "EndpointConfigs")

    @cached
    def endpoint(self, region: str, name: str) -> dict[str, Any]:
        return aws_call(f"endpoint {name} in {region}", self._c(region).describe_endpoint, EndpointName=name)

    @cached
    def endpoint_config(self, region: str, name: str) -> dict[str, Any]:
        return aws_call(
            f"endpoint config {name} in {region}", self._c(region).describe_endpoint_config, EndpointConfigName=name
        )

    @cached
    def notebook_instances(self, region: str) -> list[dict[str, Any]]:
        return paginate(
            f"notebook instances in {region}", self._c(region), "list_notebook_instances", "NotebookInstances"
        )

    @cached
    def domains(self, region: str) -> list[dict[str, Any]]:
        return paginate(f"Studio domains in {region}", self._c(region), "list_domains", "Domains")

    @cached
    def apps(self, region: str) -> list[dict[str, Any]]:
        """Studio apps (a client of its own: hooks may bound its retries where an endpoint lacks the API)."""
        client = self.access.client("sagemaker", region, operation="ListApps")
        return paginate(f"Studio apps in {region}", client, "list_apps", "Apps")


class Ec2Facts(CachedFacts):
    def __init__(self, access: AwsAccess):
        super().__init__()
        self.access = access

    @cached
    def enabled_regions(self) -> frozenset[str]:
        """The regions the account has enabled (DescribeRegions)."""
        resp = aws_call("enabled regions (DescribeRegions)", self.access.client("ec2", GLOBAL_REGION).describe_regions)
        return frozenset(r["RegionName"] for r in resp.get("Regions", []))

    def offered_regions(self, service: str = "sagemaker") -> list[str]:
        """The regions where `service` is offered (botocore's endpoint data; no call)."""
        return self.access.offered_regions(service)


class AccountFacts:
    """Everything the collectors may read about one account, fetched lazily and once."""

    def __init__(self, access: AwsAccess, *, region_workers: int = 8):
        self.access = access
        self.region_workers = region_workers
        self.account_id: str | None = access.identity().get("Account")
        self.iam = IamFacts(access)
        self.s3 = S3Facts(access, self.account_id)
        self.sagemaker = SageMakerFacts(access)
        self.ec2 = Ec2Facts(access)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def across(self, regions: list[str], fetch) -> tuple[dict[str, Any], dict[str, str]]:
        """Run `fetch(region)` over regions with bounded concurrency: (values, errors by region).

        One thread pool per graded account, made on first use and reused by every fan-out of the
        run (starting threads per call cost more CPU than the calls); `fetch` must not call
        `across` itself. `close()` ends the pool."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        if not regions:
            return values, errors
        futures = {r: self._executor().submit(fetch, r) for r in regions}
        for region, fut in futures.items():
            try:
                values[region] = fut.result()
            except FactError as exc:
                errors[region] = exc.reason
        return values, errors

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=max(1, self.region_workers), thread_name_prefix="regions")
            return self._pool

    def close(self) -> None:
        """Release the region threads (the facts stay readable)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
