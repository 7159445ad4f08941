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


def known_solution(res: CheckResult, nb_name: str, role: str, found: Any, known: Any) -> CheckResult:
    """`res` flagged `known-solution` when the notebook's fingerprints (`found`, from
    grader.notebooks.fingerprints) include one of a published course run's (`known`, the rubric's
    `known_solutions` for this notebook `role`). The flag outranks an item's other flag (it
    explains it); points are unchanged."""
    have = {f.key: f for f in found}
    for run in known:
        if run.notebook != role:
            continue
        hits = [have[k] for k in sorted(run.keys()) if k in have]
        if hits:
            shown = "; ".join(h.evidence() for h in hits[:3])
            found_in = {"source": run.source} if run.source else {}
            evidence = {**res.evidence, "known_solution": {"run": run.name, **found_in, "matched": len(hits),
                                                           "matches": [h.evidence() for h in hits[:10]]}}
            return res.model_copy(update={"evidence": evidence, "review": Review(
                kind=ReviewKind.KNOWN_SOLUTION,
                reason=f"{nb_name} holds what the course's published run '{run.name}' printed ({shown}): handed in "
                       "as the student's own?")})
    return res


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


# -- notebooks (checks/notebooks.py) ----------------------------------------------------------
LFS_ADVICE = ("Hand in the notebook itself, not its Git LFS pointer: run `git lfs pull` in your copy of the repository "
              "(or download the file from the repository's web page), check that it opens in Jupyter with its outputs, "
              "and submit that .ipynb file.")
LINK_ADVICE = ("Put your own notebook file in your submission folder, not a symbolic link to a file elsewhere (a link "
               "is not read); if you unpacked a zip that made links, copy the real files in instead.")


def unreadable(nb: Any) -> CheckResult:
    res = failed(f"{nb.problem}." if not nb.problem.endswith(".") else nb.problem, **nb.describe())  # type: ignore[union-attr]
    if nb.problem_kind == "lfs-pointer":
        return res.model_copy(update={"remediation": LFS_ADVICE})
    if nb.problem_kind == "outside-link":
        return flagged(res.model_copy(update={"remediation": LINK_ADVICE}), ReviewKind.SHARED_WORK,
                       f"{nb.name} is a symbolic link to {nb.link_target or 'a file'} outside the submission folder "
                       "(possibly another student's file); it was not read.")
    return res


NOT_EXECUTED = "not-executed"  # the root cause (grader.messages.CAUSES) when no code cell ran


def unless_run(ex: Any, res: CheckResult) -> CheckResult:
    """A result that comes from the notebook never having run: its cause is running it."""
    return because(res, NOT_EXECUTED) if ex.code_cells and ex.executed == 0 else res
