"""What the commands do, as plain functions the CLI calls (and tests can call too)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from grader.aws.session import AwsTarget
from grader.engine import GradeRequest, grade_student
from grader.errors import AccessError, ExitCode, InputError
from grader.extras import REPRODUCE_MODULES, require_extra
from grader.models import StudentInfo
from grader.output import check_out_dir
from grader.rubric import load_rubric
from grader.terminal import open_in_browser, print_student_summary

log = logging.getLogger(__name__)
SELF_CHECK_ID = "self-check"  # a self-check's student id when --student is not given


def check_notebooks_option(notebooks: Path | None) -> None:
    """--notebooks must name a folder: a notebook file, or a path that does not exist, is an input
    error that says which folder to give."""
    if notebooks is None or Path(notebooks).is_dir():
        return
    path = Path(notebooks)
    if path.exists():
        parent = path.resolve().parent
        raise InputError(f"--notebooks {notebooks}: is a file, not a folder; give the folder that holds the "
                         f"notebooks: --notebooks {parent}")
    raise InputError(f"--notebooks {notebooks}: no such folder")


def check_access_options(role_arn: str | None, external_id: str | None) -> None:
    if external_id and not role_arn:
        raise InputError("--external-id is given without --role-arn to use it with (an external id only "
                         "applies when assuming a role)")


def run_check(
    *,
    rubric_ref: str | None,
    student_id: str | None,
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
    open_browser: bool = False,
) -> int:
    """Grade one student; write the reports; return the exit code of the interface. Every input
    (formats, rubric, notebooks, access options, --out) is checked before anything is graded."""
    from reports import STUDENT_FORMATS, parse_formats, write_student

    fmt = parse_formats(formats)
    if reproduce:
        require_extra("reproduce", *REPRODUCE_MODULES, command="--reproduce")
    rubric = load_rubric(rubric_ref)
    check_notebooks_option(notebooks)
    check_access_options(role_arn, external_id)
    names = tuple(STUDENT_FORMATS[f].filename for f in fmt) + (("executed",) if reproduce else ())
    out = check_out_dir(out, names)
    target = AwsTarget(profile=profile, role_arn=role_arn, external_id=external_id, endpoint_url=endpoint_url)
    request = GradeRequest(
        student=StudentInfo(id=student_id or SELF_CHECK_ID if audience == "student" else student_id or "student",
                            name=name),
        target=target,
        notebooks=Path(notebooks) if notebooks is not None else None,
        regions=regions,
        reproduce=reproduce,
        executed_dir=out / "executed",
    )
    via = (f"role {role_arn}" if role_arn else f"profile {profile}" if profile else "the standard AWS credentials")
    log.info("grader: grading with rubric %s (version %s), %s%s; regions: %s; notebooks: %s; writing into %s",
             rubric.id, rubric.version, via, f" at {endpoint_url}" if endpoint_url else "",
             ",".join(regions) if regions else "the rubric's", notebooks if notebooks is not None else "none", out)
    try:
        report = grade_student(request, rubric, raise_access_errors=True)
    except AccessError as exc:
        url = endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
        if url and url not in str(exc):
            raise AccessError(f"{exc} (endpoint {url})") from None
        raise
    data = report.to_dict()
    if audience == "student" and not student_id and not name:
        account = data["student"].get("account_id")
        data["student"]["name"] = f"Self-check of AWS account {account}" if account else "Self-check"
    written = write_student(data, out, fmt)
    log.info("grader: %s: %s items graded, %s AWS calls, wrote %s", data["student"]["id"], len(data["items"]),
             (data.get("stats") or {}).get("api_calls"), ", ".join(p.name for p in written))
    print_student_summary(data, written, audience=audience, stream=sys.stdout, notebooks=notebooks)
    if open_browser:
        html = next((p for p in written if p.name == "report.html"), None)
        if html is None:
            print("grader: --open: no report.html was written (add html to --format)", file=sys.stderr)
        else:
            open_in_browser(html)
    return ExitCode.OK if report.status == "pass" else ExitCode.FINDINGS


def fingerprint_entry(path: Path, name: str | None, role: str | None) -> str:
    """`grader rubric fingerprint`: a `known_solutions` entry (YAML, validated) for an executed
    notebook the course published; an unreadable notebook or one without fingerprints is an
    input error."""
    import yaml

    from grader.facts.params import KnownSolution
    from grader.integrity import published_run
    from grader.notebooks import LESSON_NOTEBOOKS, read_notebook
    from grader.notebooks.facts import credit_facts, rainfall_facts
    from grader.notebooks.finding import role_of

    if role is None:
        role = role_of(Path(path).name)
        if role is None:
            raise InputError(f"{path}: not named like a lesson notebook ({', '.join(LESSON_NOTEBOOKS.values())}); "
                             "say which it is with --notebook rainfall|credit")
    nb = read_notebook(Path(path), role)
    if nb.problem:
        raise InputError(nb.problem)
    facts = rainfall_facts(nb) if role == "rainfall" else credit_facts(nb)
    entry = published_run(nb, facts.fingerprints, name or Path(path).name, role)
    if len(entry) <= 2:  # name and notebook only
        raise InputError(f"{path}: prints nothing only one run can print (no full-precision figure, job name, "
                         "log time stamp or plot): it cannot be recognised")
    KnownSolution.model_validate(entry)
    return yaml.safe_dump([entry], sort_keys=False, width=100, allow_unicode=True)


def list_rubrics() -> str:
    """`grader rubric list`: a line per shipped rubric."""
    from grader.rubric import shipped_rubrics

    lines = []
    for rid in sorted(shipped_rubrics()):
        r = load_rubric(rid)
        lines.append(f"{r.id}\t{r.version}\t{len(r.items)} items\t{r.possible:g} points\t{r.title}\n")
    return "".join(lines)


def show_rubric(ref: str) -> str:
    """`grader rubric show`: a rubric's items, points, checks and parameters."""
    r = load_rubric(ref)
    lines = [f"{r.id} (version {r.version}): {r.title}  [{r.source}]"]
    for item in r.items:
        spec = r.spec_for(item)
        params = r.params_for(item.id).model_dump(mode="json")
        lines.append(f"  {item.id:32} {item.points:>5g} pts  {spec.category:10} {item.title or spec.title}")
        if params:
            lines.append("      params: " + ", ".join(f"{k}={_shown(v)}" for k, v in params.items()))
    lines.append(f"  total: {r.possible:g} points")
    return "\n".join(lines) + "\n"


def _shown(value: object) -> str:
    """A param as `rubric show` prints it: a list of records (the known solutions) as its count."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return f"[{len(value)} entries]"
    return str(value)
