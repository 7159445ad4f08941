"""The grading pipeline for one student: load -> collect -> evaluate -> score.

`grade_student` never raises for a student's own problems: a student who cannot be graded at
all (credentials rejected, endpoint unreachable) gets a report with status `error` and a message,
unless `raise_access_errors` is set (the `check` command uses it to exit 3).
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader import __version__, messages
from grader.aws.facts import AccountFacts
from grader.aws.regions import parse_regions
from grader.aws.session import AwsAccess, AwsTarget
from grader.context import Context, make_context
from grader.errors import AccessError, FactError, InputError, ReadOnlyViolation
from grader.models import (
    CheckResult,
    ItemResult,
    ReviewFlag,
    ReviewKind,
    RubricInfo,
    Score,
    Status,
    StudentInfo,
    StudentReport,
)
from grader.rubric import Rubric
from grader.scoring import item_points, item_review, report_status, review_list, total

log = logging.getLogger("grader")


@dataclass
class GradeRequest:
    """One student to grade and how to reach their work."""

    student: StudentInfo
    target: AwsTarget | None = field(default_factory=AwsTarget)
    notebooks: Path | None = None
    regions: list[str] | None = None
    synthetic: bool = False
    reproduce: bool = False  # re-execute the notebooks in the sandbox (--reproduce)
    executed_dir: Path | None = None  # where the executed copies go (default: a temporary folder)


def rubric_info(rubric: Rubric) -> RubricInfo:
    return RubricInfo(**rubric.info(), digest=rubric.digest)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_notebooks(folder: Path | None) -> Any:
    """The notebook facts of a submission folder (None when no folder was given)."""
    if folder is None:
        return None
    if not folder.is_dir():
        raise InputError(f"notebooks folder {folder} does not exist or is not a folder")
    from grader.notebooks import read_submission

    return read_submission(folder)


def evaluate(rubric: Rubric, ctx: Context) -> list[ItemResult]:
    """Run every rubric item's check over the context; errors become `error` items."""
    items = []
    for item in rubric.bound:
        spec = item.spec
        started = time.perf_counter()
        result = run_check(spec, ctx, item.params)
        items.append(
            ItemResult(
                id=item.id,
                title=item.title,
                category=spec.category,
                status=result.status,
                points=item_points(result, item.points),
                message=result.message,
                evidence=result.evidence,
                remediation=None if result.status in (Status.PASS, Status.SKIP) else (result.remediation or spec.remediation),
                review=item_review(result, item.points),
                cause=result.cause,
                params=item.params.model_dump(mode="json"),
                duration_ms=int((time.perf_counter() - started) * 1000),
            )
        )
    return items


def run_check(spec, ctx: Context, params) -> CheckResult:
    missing = [need for need in spec.needs if not ctx.given(need)]
    if missing:
        return CheckResult(status=Status.SKIP, message=messages.not_graded(missing))
    try:
        result = spec.func(ctx, params)
    except FactError as exc:
        return CheckResult(
            status=Status.ERROR,
            message=messages.could_not_determine(exc.what, exc.reason),
            evidence={"could_not_read": exc.what, "reason": exc.reason, **({"code": exc.code} if exc.code else {})},
            remediation=messages.GRADER_ACCESS,
        )
    except ReadOnlyViolation:
        raise
    except Exception as exc:  # noqa: BLE001 - a bug in one check must not sink the others
        log.exception("check %s failed", spec.id)
        return CheckResult(
            status=Status.ERROR,
            message=messages.internal_error(exc),
            evidence={"internal_error": f"{type(exc).__name__}: {exc}"[:500]},
            remediation=messages.GRADER_BUG,
        )
    if not isinstance(result, CheckResult):
        raise TypeError(f"check {spec.id} returned {type(result).__name__}, not CheckResult")
    return result



def grade_student(
    request: GradeRequest,
    rubric: Rubric,
    *,
    raise_access_errors: bool = False,
    access: AwsAccess | None = None,
    submission: Any = None,
) -> StudentReport:
    """Grade one student. `submission`: their notebooks' facts, when the caller has read them
    already (`load_notebooks(request.notebooks)`); else they are read here."""
    started = time.perf_counter()
    student = request.student.model_copy()
    notebooks = submission if submission is not None else load_notebooks(request.notebooks)
    aws_facts = None
    access_obj = access
    try:
        if access_obj is None and request.target is not None:
            access_obj = AwsAccess(request.target)
        if access_obj is not None:
            aws_facts = AccountFacts(access_obj)
            student.account_id = aws_facts.account_id
    except (AccessError, InputError) as exc:
        if raise_access_errors:
            raise
        return error_report(request, rubric, str(exc), started, access_obj)
    regions = parse_regions(request.regions, "--regions") if request.regions else None
    reproduction = reexecute(request, rubric) if request.reproduce and notebooks is not None else None
    ctx = make_context(student, aws_facts, notebooks, rubric, regions, reproduction)
    try:
        items = evaluate(rubric, ctx)
    finally:
        if aws_facts is not None:
            aws_facts.close()
    return StudentReport(
        student=student,
        rubric=rubric_info(rubric),
        status=report_status(items),
        score=total(items),
        items=items,
        review=review_list(items),
        incomplete=_missing_inputs(rubric, ctx),
        reproduced=reproduction is not None,
        stats=_stats(access_obj, started),
        generated_at=now_iso(),
        grader_version=__version__,
        synthetic=request.synthetic,
    )


def reexecute(request: GradeRequest, rubric: Rubric) -> Any:
    """The collect stage of `--reproduce`: the notebooks re-executed in the sandbox (a SubmissionRun).
    A sandbox that cannot start at all is the runs' `sandbox-error` (the items become `error`)."""
    from grader.reproduce.execute import execute_submission
    from grader.reproduce.results import NotebookRun, RunStatus, SubmissionRun
    from grader.reproduce.sandbox import Limits

    run = rubric.run_params
    limits = Limits(cell_timeout_s=run.cell_timeout_s, notebook_timeout_s=run.notebook_timeout_s,
                    memory_bytes=run.sandbox_memory_mb * 1024**2, output_bytes=run.sandbox_output_mb * 1024**2)
    out = request.executed_dir or Path(tempfile.mkdtemp(prefix="grader-executed-"))
    assert request.notebooks is not None
    try:
        return execute_submission(request.notebooks, out, limits=limits, seeds=run.reproduce_seeds)
    except Exception as exc:  # noqa: BLE001 - the reproduction items say why; the others are graded
        log.warning("could not re-execute %s: %s", request.notebooks, exc, exc_info=True)
        why = f"the sandbox could not run: {type(exc).__name__}: {exc}"[:300]
        runs = {role: NotebookRun(role=role, status=RunStatus.SANDBOX_ERROR, message=why)
                for role in ("rainfall", "credit")}
        return SubmissionRun(folder=str(request.notebooks), out_dir=str(out), notebooks=runs)


# The inputs of the student's: one missing makes the report incomplete (re-execution is the grader's choice).
STUDENT_INPUTS = ("aws", "notebooks")


def _missing_inputs(rubric: Rubric, ctx: Context) -> list[str]:
    """The inputs some item needs that were not given (the report is then incomplete)."""
    needs = dict.fromkeys(need for item in rubric.bound for need in item.spec.needs if need in STUDENT_INPUTS)
    return [need for need in needs if not ctx.given(need)]


def _stats(access: AwsAccess | None, started: float) -> dict[str, Any]:
    stats: dict[str, Any] = {"api_calls": access.api_calls if access else 0}
    stats["duration_ms"] = int((time.perf_counter() - started) * 1000)
    if access:
        stats["operations"] = {f"{s}:{o}": n for (s, o), n in sorted(access.operations.items())}
    return stats


def error_report(
    request: GradeRequest, rubric: Rubric, message: str, started: float | None = None, access: AwsAccess | None = None
) -> StudentReport:
    """A report for a student who could not be graded at all."""
    started = started if started is not None else time.perf_counter()
    return StudentReport(
        student=request.student,
        rubric=rubric_info(rubric),
        status="error",
        score=Score(earned=0.0, possible=rubric.possible, percent=0.0),
        items=[],
        message=message,
        review=[ReviewFlag(kind=ReviewKind.ERROR, reason=f"Could not be graded: {message}")],
        stats=_stats(access, started),
        generated_at=now_iso(),
        grader_version=__version__,
        synthetic=request.synthetic,
    )
