"""What the commands do, as plain functions the CLI calls (and tests can call too)."""

from __future__ import annotations

import sys
from pathlib import Path

from grader.aws.session import AwsTarget
from grader.engine import GradeRequest, grade_student
from grader.errors import ExitCode
from grader.extras import REPRODUCE_MODULES, require_extra
from grader.models import StudentInfo
from grader.output import ensure_out_dir
from grader.rubric import load_rubric
from grader.terminal import print_student_summary


def run_check(
    *,
    rubric_ref: str | None,
    student_id: str,
    name: str | None,
    notebooks: Path | None,
    out: Path,
    formats: str | None,
    profile: str | None,
    role_arn: str | None,
    external_id: str | None,
    endpoint_url: str | None,
    regions: list[str] | None,
    audience: str = "ta",
    reproduce: bool = False,
) -> int:
    """Grade one student; write the reports; return the exit code of the interface."""
    from reports import parse_formats, write_student

    fmt = parse_formats(formats)
    if reproduce:
        require_extra("reproduce", *REPRODUCE_MODULES, command="--reproduce")
    rubric = load_rubric(rubric_ref)
    if notebooks is not None and not Path(notebooks).is_dir():
        from grader.errors import InputError

        raise InputError(f"--notebooks {notebooks}: no such folder")
    out = ensure_out_dir(out)
    target = AwsTarget(profile=profile, role_arn=role_arn, external_id=external_id, endpoint_url=endpoint_url)
    request = GradeRequest(
        student=StudentInfo(id=student_id, name=name),
        target=target,
        notebooks=Path(notebooks) if notebooks is not None else None,
        regions=regions,
        reproduce=reproduce,
        executed_dir=out / "executed",
    )
    report = grade_student(request, rubric, raise_access_errors=True)
    data = report.to_dict()
    written = write_student(data, out, fmt)
    print_student_summary(data, written, audience=audience, stream=sys.stdout, notebooks=notebooks)
    return ExitCode.OK if report.status == "pass" else ExitCode.FINDINGS
