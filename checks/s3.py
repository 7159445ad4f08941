"""S3 items for the private bucket (lesson steps 3-4): the bucket blocks public access, and its
objects are not public.

Which bucket is the private one is a derived fact decided once per run with the rubric-level
params (`ctx.account.private_bucket()`, see grader/facts/buckets.py for the routes and for how
public access is decided from configuration); these checks only read it and decide.

- `s3-private-object` reads object ACLs only when they can matter (ACLs enabled and
  IgnorePublicAcls effectively off), so a large bucket costs one listing. A public-read ACL
  neutralised by IgnorePublicAcls is therefore not read here (it is not public, per the spec).
- The region is advisory (`warn`, full points): the private bucket should be in a region of the
  student's training jobs (all scanned regions; when there are none, `sagemaker_region`).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from checks._common import S3_BASE_PERMISSIONS, S3_CONFIG_PERMISSIONS, STEP3, Params, failed, passed, result
from grader.aws.facts import POLICY_STATUS_UNREPORTED
from grader.context import Context
from grader.errors import FactError
from grader.facts.account import Account
from grader.facts.s3_policy import analyse_policy, public_grants
from grader.models import CheckResult, Status
from grader.registry import check


class PrivateBucketParams(Params):
    sagemaker_region: str = "us-east-2"  # the lesson's region, expected when no training job is found


class PrivateObjectParams(Params):
    max_objects: int = Field(50, ge=1)  # objects of the private bucket inspected


def no_private(account: Account) -> CheckResult:
    p = account.settings.params
    return failed(
        f"No private bucket was identified: no bucket named in the notebooks, none matching "
        f"{p.private_bucket_patterns}, none holding {p.lesson_prefix!r}.", **account.bucket_list())


def _policy_is_public(account: Account, bucket: str) -> tuple[bool, dict[str, Any]]:
    """The bucket's policy status (GetBucketPolicyStatus); where the endpoint does not report it,
    decided by analysing the policy itself (any public Allow without a Condition)."""
    s3 = account.s3
    try:
        status = s3.policy_status(bucket)
        text = "no bucket policy" if status is None else ("public" if status else "not public")
        return bool(status), {"policy_status": text, "policy_status_source": "GetBucketPolicyStatus"}
    except FactError as exc:
        if exc.code != POLICY_STATUS_UNREPORTED:
            raise
    analysis = analyse_policy(s3.policy(bucket), bucket, None, None)
    return analysis.grants_public, {
        "policy_status": "public" if analysis.grants_public else "not public",
        "policy_status_source": "the endpoint reported no policy status; decided by reading the bucket policy",
        "policy": analysis.evidence()}


def _work_regions(account: Account, params: PrivateBucketParams) -> tuple[list[str], dict[str, Any]]:
    """The regions of the student's SageMaker work: where their training jobs are (every scanned
    region), else the rubric's `sagemaker_region`. Advisory: unreadable regions are noted only."""
    scan = account.training_jobs()
    with_jobs = sorted(r for r, jobs in scan.found.items() if jobs)
    evidence: dict[str, Any] = {}
    if scan.unreadable:
        evidence["training_jobs_unreadable"] = {r: why for r, why in sorted(scan.unreadable.items())}
    if with_jobs:
        evidence["sagemaker_work_regions"] = with_jobs
        evidence["sagemaker_work_from"] = "the regions of your training jobs"
        return with_jobs, evidence
    evidence["sagemaker_work_regions"] = [params.sagemaker_region]
    evidence["sagemaker_work_from"] = f"no training job found in {len(scan.regions)} scanned regions: the lesson's region"
    return [params.sagemaker_region], evidence


@check(
    "s3-private-bucket",
    title="A private S3 bucket blocks all public access",
    category="S3",
    params=PrivateBucketParams,
    permissions=[*S3_BASE_PERMISSIONS, *S3_CONFIG_PERMISSIONS, "s3:GetBucketPolicyStatus", "s3:GetBucketPolicy",
                 "s3:GetBucketAcl", "sagemaker:ListTrainingJobs", "ec2:DescribeRegions"],
    remediation=f"{STEP3}: create a bucket named like `sm-models-<timestamp>` in the region of your SageMaker work "
    "(US East (Ohio) in the lesson) and tick \"Block all public access\" (all four options); remove any bucket "
    "policy or ACL grant that makes it public.",
)
def s3_private_bucket(ctx: Context, params: PrivateBucketParams) -> CheckResult:
    """Pass: all four Block Public Access flags effectively on, policy status not public, no ACL
    grant to AllUsers/AuthenticatedUsers. Warn: not in a region of the student's training jobs."""
    account = ctx.account
    found = account.private_bucket()
    if not found:
        return no_private(account)
    bpa = account.block_public_access(found.name)
    evidence: dict[str, Any] = {**found.evidence(), "block_public_access": bpa.evidence()}
    routes = [f"Block Public Access is off for {', '.join(bpa.off())}"] if bpa.off() else []
    try:
        policy_public, policy_evidence = _policy_is_public(account, found.name)
        evidence.update(policy_evidence)
        acl = public_grants(account.s3.acl(found.name), any_permission=True)
        evidence["bucket_acl_public_grants"] = acl
    except FactError as exc:
        if not routes:  # the verdict depends on it
            raise
        evidence["not_read"] = f"{exc.what}: {exc.reason}"
        policy_public, acl = False, []
    if policy_public:
        routes.append("its bucket policy is public")
    if acl:
        routes.append(f"its ACL grants {', '.join(acl)}")
    evidence["public_access_routes"] = routes
    if routes:
        return failed(f"Bucket {found.name} is the private bucket, but public access is possible: "
                      f"{'; '.join(routes)}.", **evidence)
    work, work_evidence = _work_regions(account, params)
    evidence.update(work_evidence)
    if found.region not in work:
        return result(Status.WARN, f"Bucket {found.name} blocks all public access, but it is in {found.region}, not "
                      f"in the region of your SageMaker work ({', '.join(work)}).",
                      remediation=f"{STEP3}: keep the private bucket in the same region as SageMaker (data and "
                      "training in one region avoid cross-region transfer); this is advice, not a deduction.",
                      **evidence)
    return passed(f"Bucket {found.name} ({found.region}) blocks all public access.", **evidence)


@check(
    "s3-private-object",
    title="The private bucket holds objects, none of them public",
    category="S3",
    params=PrivateObjectParams,
    permissions=[*S3_BASE_PERMISSIONS, *S3_CONFIG_PERMISSIONS, "s3:GetBucketOwnershipControls",
                 "s3:GetBucketPolicy", "s3:GetObjectAcl"],
    remediation=f"{STEP3}: upload a file to the private bucket (Upload) and keep it private: no \"Everyone\" read "
    "permission on the object, no bucket policy letting \"*\" read it, \"Block all public access\" on.",
)
def s3_private_object(ctx: Context, params: PrivateObjectParams) -> CheckResult:
    """Pass: the private bucket holds objects and none of the first `max_objects` is public."""
    account = ctx.account
    found = account.private_bucket()
    if not found:
        return no_private(account)
    s3 = account.s3
    keys, listed = account.keys(found.name, params.max_objects)
    evidence: dict[str, Any] = {**found.evidence(), "objects_inspected": len(keys), "max_objects": params.max_objects}
    if listed > params.max_objects:
        evidence["more_objects_not_inspected"] = (f"the bucket holds more than {params.max_objects} objects; "
                                                  f"the first {params.max_objects} were inspected")
    if not keys:
        return failed(f"The private bucket {found.name} is empty: upload a file to it.", **evidence)
    evidence["examples"] = keys[:5]
    bpa = account.block_public_access(found.name)
    evidence["block_public_access"] = bpa.evidence()
    public: dict[str, str] = {}
    if bpa.on("RestrictPublicBuckets"):
        evidence["bucket_policy"] = "not read: RestrictPublicBuckets is on, so no policy can make an object public"
    else:
        policy = s3.policy(found.name)
        for key in keys:
            analysis = analyse_policy(policy, found.name, key)
            if analysis.possibly_public:
                public[key] = f"bucket policy statement {', '.join(analysis.allows)} lets anyone get it"
        evidence["bucket_policy"] = analyse_policy(policy, found.name).evidence()
    if bpa.on("IgnorePublicAcls"):
        evidence["object_acls"] = "not read: IgnorePublicAcls is on, so no object ACL can make an object public"
    else:
        enabled, ownership = account.acls_enabled(found.name)
        evidence["object_ownership"] = ownership
        if not enabled:
            evidence["object_acls"] = "not read: ACLs are disabled (BucketOwnerEnforced)"
        else:
            evidence["object_acls"] = f"read for {len(keys)} objects"
            for key in keys:
                grants = public_grants(s3.object_acl(found.name, key))
                if grants and key not in public:
                    public[key] = f"its ACL grants {', '.join(grants)}"
    if public:
        evidence["public_objects"] = [{"key": k, "why": why} for k, why in public.items()]
        first = next(iter(public))
        return failed(f"{len(public)} object(s) in the private bucket {found.name} can be read by anyone, e.g. "
                      f"{first} ({public[first]}).", **evidence)
    return passed(f"The private bucket {found.name} holds objects ({len(keys)} inspected), none public.", **evidence)
