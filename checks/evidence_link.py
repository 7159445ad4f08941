"""`nb-evidence-link`: the buckets and training jobs the notebooks name exist in the graded account.

A name that is absent is possibly someone else's work (or deleted since): the item fails and is
flagged for a person (`not-in-account`); a job that may sit in a region that could not be listed
is `error`, never a silent fail.
"""

from __future__ import annotations

from typing import Any

from checks._common import Params, failed, passed, result
from grader.context import Context
from grader.models import CheckResult, Review, ReviewKind, Status
from grader.registry import check


def _account_jobs(ctx: Context) -> tuple[dict[str, str], dict[str, str], dict[str, Any]]:
    """(training-job name -> region, listing errors by region, what was scanned) of the regions scanned
    (the run's regions: the rubric-level `regions`, or the command's)."""
    scan = ctx.account.training_jobs()
    where = {j["TrainingJobName"]: region for region, j in scan.items()}
    skipped = scan.skipped
    return where, dict(scan.unreadable), {"scanned": len(scan.regions), "how": scan.how,
                                          **({"skipped": skipped} if skipped else {})}


class EvidenceParams(Params):
    regions: str | list[str] = "all"


@check(
    "nb-evidence-link",
    title="The buckets and training jobs the notebooks name exist in this account",
    category="Notebooks",
    params=EvidenceParams,
    permissions=["s3:ListAllMyBuckets", "sagemaker:ListTrainingJobs", "ec2:DescribeRegions"],
    needs=("aws", "notebooks"),
    remediation="The notebooks should be your own work in this AWS account: the bucket in `bucket = \"...\"` "
    "(lesson step 6) and the training jobs in the logs must be in the account being graded. If you deleted the "
    "bucket in step 10, say so to your TA.",
)
def nb_evidence_link(ctx: Context, params: EvidenceParams) -> CheckResult:
    """Every bucket and training-job name mentioned in the notebooks exists in the graded account."""
    sub = ctx.submission
    buckets = sub.bucket_mentions
    jobs = sub.job_mentions
    if not buckets and not jobs:
        return result(Status.SKIP, "The notebooks name no S3 bucket and no training job, so there is nothing to "
                      "link to the account.", notebooks=sub.describe())
    evidence: dict[str, Any] = {}
    missing = []
    if buckets:
        names = {b["Name"] for b in ctx.account.s3.buckets()}
        evidence["buckets"] = [{**m.evidence(), "in_account": m.name in names} for m in buckets[:20]]
        missing += [f"bucket {m.name} ({m.where})" for m in buckets if m.name not in names]
    errors: dict[str, str] = {}
    if jobs:
        where_job, errors, evidence["regions"] = _account_jobs(ctx)
        evidence["training_jobs"] = [{**m.evidence(), "region": where_job.get(m.name)} for m in jobs[:20]]
        absent = [m for m in jobs if m.name not in where_job]
        if absent and errors:
            evidence["region_errors"] = errors
            return result(Status.ERROR, f"Training job {absent[0].name} was not found, but {len(errors)} region(s) "
                          "could not be listed, so it may be there. A person must look.", **evidence)
        missing += [f"training job {m.name} ({m.where})" for m in absent]
    if missing:
        named = "; ".join(missing[:5])
        out = failed(f"The notebooks name {len(missing)} resource(s) not in this account: {named}. Possibly someone "
                     "else's work (or deleted since): flagged for review.", **evidence)
        out.review = Review(kind=ReviewKind.NOT_IN_ACCOUNT, reason=f"The notebooks name {named}, not in the graded "
                            "account: possibly someone else's work, or deleted since.")
        return out
    what = ([f"{len(buckets)} bucket(s)"] if buckets else []) + ([f"{len(jobs)} training job(s)"] if jobs else [])
    return passed("All " + " and ".join(what) + " the notebooks name exist in this account.", **evidence)
