"""Small helpers shared by check modules: result constructors, evidence formatting, lesson texts."""

from __future__ import annotations

from typing import Any

from grader.facts.text import when
from grader.messages import GRADER_ACCESS, PERSON_MUST_LOOK
from grader.models import CheckResult, Review, ReviewKind, Status
from grader.registry import Params

# re-exported: the one params base (grader.registry), the evidence timestamp, the standard message
__all__ = ["GRADER_ACCESS", "Params", "when"]


def result(status: Status, message: str, /, fraction: float | None = None, remediation: str | None = None,
           **evidence: Any) -> CheckResult:
    return CheckResult(status=status, message=message, evidence=evidence, fraction=fraction, remediation=remediation)


def passed(message: str, /, **evidence: Any) -> CheckResult:
    return result(Status.PASS, message, **evidence)


def failed(message: str, /, **evidence: Any) -> CheckResult:
    return result(Status.FAIL, message, **evidence)


def warned(message: str, /, **evidence: Any) -> CheckResult:
    return result(Status.WARN, message, **evidence)


def partial(message: str, /, fraction: float = 0.5, **evidence: Any) -> CheckResult:
    return result(Status.PARTIAL, message, fraction=fraction, **evidence)


def flagged(res: CheckResult, kind: ReviewKind, reason: str) -> CheckResult:
    """`res` flagged for a person (a review flag never changes points by itself)."""
    return res.model_copy(update={"review": Review(kind=kind, reason=reason)})


def because(res: CheckResult, cause: str, remediation: str | None = None) -> CheckResult:
    """`res` with its root cause named (grader.messages.CAUSES) and, when given, the remediation
    that fits what was found."""
    update: dict[str, Any] = {"cause": cause}
    if remediation is not None:
        update["remediation"] = remediation
    return res.model_copy(update=update)


def mask_key(key_id: str) -> str:
    """Access key ids are masked except for their last four characters."""
    return "*" * max(0, len(key_id) - 4) + key_id[-4:]


def cannot_tell(what: str, unreadable: dict[str, str], evidence: dict[str, Any]) -> CheckResult:
    """`error`: the verdict depends on something that could not be read (named with the reason)."""
    where = "; ".join(f"{k}: {v}" for k, v in sorted(unreadable.items()))
    evidence = {**evidence, "could_not_read": unreadable}
    return result(Status.ERROR, f"Could not be determined: {what} could not be read ({where}). {PERSON_MUST_LOOK}",
                  remediation=GRADER_ACCESS, **evidence)


# -- S3 (checks/s3.py, checks/s3_public.py) -----------------------------------------------------
STEP3 = "Lesson steps 3-4 (Intro to Amazon S3; Creating Amazon S3 Buckets)"
S3_BASE_PERMISSIONS = ("s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:ListBucket")
S3_CONFIG_PERMISSIONS = ("s3:GetBucketPublicAccessBlock", "s3:GetAccountPublicAccessBlock")
