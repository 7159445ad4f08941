"""`grader batch`: grade a whole class from a roster, each student in isolation, concurrently,
crash-safe and resumable.

- Load: the rubric, the formats and the roster are validated before any AWS call (InputError,
  exit 2).
- Grade: each student is one task on a thread pool of `jobs` workers (regions are fanned out
  inside each student by `AccountFacts.across`). A task never raises for the student's own
  problems: credentials that do not work, a profile that does not exist, a missing notebooks
  folder or even a grader bug while grading them become that student's report with status
  `error` and a message, and the others are graded.
- Write: when a student finishes, their files are written atomically into
  `students/<safe id>/`, `report.json` last: a `report.json` that exists is complete, and it
  marks the student as done. A run killed at any moment leaves only whole files.
- Class: `index.html`, `class.json` and `grades.csv` are rebuilt at the end from the students'
  `report.json` files, in roster order, so they always agree with the per-student files.
- Resume: with `resume=True`, a student whose `report.json` exists, is readable, is theirs,
  was made with the same rubric id and version and is not `error` is not graded again.

Exit codes: 0 every student was graded, 1 some student could not be graded (their row says
why), 2 input error before grading, 3 an internal fault stopped the run (files already written
are kept).
"""

from __future__ import annotations

import logging
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.aws.session import AwsAccess, AwsTarget
from grader.engine import GradeRequest, error_report, grade_student
from grader.errors import ExitCode, GraderError
from grader.models import StudentInfo
from grader.output import atomic_write, ensure_out_dir
from grader.overrides import Overrides, apply_overrides, read_overrides
from grader.progress import Progress
from grader.resume import (
    CLASS_LINK,
    build_class,
    keep_resumed,
    remove_stale_temp_files,
    resumable,
    rubric_points,
)
from grader.roster import Roster, RosterEntry, read_roster
from grader.rubric import Rubric, load_rubric

log = logging.getLogger("grader.batch")

DEFAULT_JOBS = 8
# batch always writes these per student: report.json (the record resume and the class files are
# rebuilt from) and report.html (the class page links to it).
ALWAYS = ("html", "json")

AccessFactory = Callable[[AwsTarget], AwsAccess]


@dataclass(frozen=True)
class Outcome:
    """What became of one student in this run (small: the full report is on disk)."""

    student_id: str
    folder: str
    status: str  # pass | fail | error
    percent: float | None
    message: str | None = None
    resumed: bool = False
    api_calls: int = 0

    @property
    def graded(self) -> bool:
        return self.status != "error"


@dataclass
class BatchResult:
    out: Path
    outcomes: list[Outcome]
    class_files: list[Path] = field(default_factory=list)
    duration_s: float = 0.0
    mean: float | None = None

    @property
    def index(self) -> Path:
        return self.out / "index.html"

    @property
    def graded(self) -> int:
        return sum(1 for o in self.outcomes if o.graded)

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.graded]

    @property
    def resumed(self) -> int:
        return sum(1 for o in self.outcomes if o.resumed)

    @property
    def api_calls(self) -> int:
        return sum(o.api_calls for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        return ExitCode.FINDINGS if self.errors else ExitCode.OK


# -- the run ---------------------------------------------------------------------------------


def run_batch(
    roster: Path | str | Roster,
    *,
    rubric_ref: str | None = None,
    out: Path | str = Path("grader-report"),
    jobs: int = DEFAULT_JOBS,
    resume: bool = False,
    formats: str | None = None,
    endpoint_url: str | None = None,
    regions: list[str] | None = None,
    synthetic: bool = False,
    progress: Progress | None = None,
    access_factory: AccessFactory | None = None,
    overrides: Path | str | None = None,
    reproduce: bool = False,
) -> BatchResult:
    """Grade every student of `roster` into the folder `out`; see the module doc.

    `reproduce`: re-execute each student's notebooks in the sandbox (their executed copies go to
    `students/<id>/executed/`); a resumed student graded without it is graded again.
    `overrides`: a TA's overrides.csv (grader.overrides), checked against the roster and the
    rubric before anything is graded, and applied to every student, graded now or resumed.

    `regions`: the command's `--regions` (None: the rubric's); a roster row's own `regions` wins.
    `access_factory(target) -> AwsAccess` replaces how a student's AWS access is made (the
    benchmarks inject network latency with it); by default `AwsAccess(target)`.
    """
    from reports import parse_formats

    started = time.perf_counter()
    if jobs < 1:
        from grader.errors import InputError

        raise InputError("--jobs must be at least 1")
    fmt = _student_formats(parse_formats(formats))
    if reproduce:
        from grader.extras import REPRODUCE_MODULES, require_extra

        require_extra("reproduce", *REPRODUCE_MODULES, command="batch --reproduce")
    rubric = load_rubric(rubric_ref)
    if not isinstance(roster, Roster):
        roster = read_roster(roster)
    decisions = read_overrides(overrides) if overrides is not None else None
    if decisions is not None:
        decisions.check_against({e.student_id for e in roster}, rubric_points(rubric))
    out = ensure_out_dir(Path(out))
    students_dir = out / "students"
    remove_stale_temp_files(out)
    progress = progress or Progress.for_stream(sys.stderr)
    if roster.ignored_columns:
        progress.note(f"roster: ignoring column(s) {', '.join(roster.ignored_columns)}")

    outcomes: dict[str, Outcome] = {}
    todo: list[RosterEntry] = []
    for entry in roster:
        done = resumable(students_dir / entry.folder, entry, rubric, reproduce) if resume else None
        if done is not None:
            done = keep_resumed(done, students_dir / entry.folder, fmt, decisions, rubric_points(rubric))
            outcomes[entry.student_id] = _outcome(entry, done, resumed=True)
        else:
            todo.append(entry)

    grader = _StudentGrader(rubric, fmt, students_dir, endpoint_url, regions, synthetic, access_factory, decisions,
                            reproduce)
    progress.start(len(roster.entries), resumed=len(outcomes))
    for outcome in outcomes.values():
        progress.advance(outcome)
    try:
        for outcome in _run_pool(grader.grade, todo, jobs):
            outcomes[outcome.student_id] = outcome
            progress.advance(outcome)
    except BaseException:
        progress.stop()
        _write_class_best_effort(rubric, roster, out, fmt)
        raise
    progress.stop()

    from reports import write_class

    class_dict = build_class(rubric, roster, students_dir)
    class_files = write_class(class_dict, out, fmt)
    ordered = [outcomes[e.student_id] for e in roster]
    return BatchResult(
        out=out,
        outcomes=ordered,
        class_files=class_files,
        duration_s=time.perf_counter() - started,
        mean=class_dict.get("stats", {}).get("mean"),
    )


def _write_class_best_effort(rubric: Rubric, roster: Roster, out: Path, fmt: list[str]) -> None:
    """A run stopped by a fault or Ctrl-C still leaves class files for the students done."""
    from reports import write_class

    try:
        write_class(build_class(rubric, roster, out / "students"), out, fmt)
    except Exception:  # noqa: BLE001 - the original error is the one to report
        log.debug("could not write the class files after the run stopped", exc_info=True)


def _student_formats(fmt: list[str]) -> list[str]:
    """The run's formats plus html and json, with json last (it marks the student as done)."""
    names = [f for f in dict.fromkeys([*fmt, *ALWAYS]) if f != "json"]
    return [*names, "json"]


def _run_pool(task: Callable[[RosterEntry], Outcome], entries: list[RosterEntry], jobs: int):
    """Yield each entry's outcome as it finishes, with at most `jobs` running. Tasks are
    submitted as workers free up, so a class of thousands holds only `jobs` tasks at once. An
    exception from a task (an internal fault: e.g. the disk is full) stops the run: pending
    students are not started, running ones finish, and the exception propagates."""
    if not entries:
        return
    pending = iter(entries)
    running: set[Future] = set()
    with ThreadPoolExecutor(max_workers=min(jobs, len(entries)), thread_name_prefix="grader-student") as pool:

        def fill() -> None:
            while len(running) < jobs:
                entry = next(pending, None)
                if entry is None:
                    return
                running.add(pool.submit(task, entry))

        fill()
        try:
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    running.discard(fut)
                    yield fut.result()
                fill()
        except BaseException:
            pending = iter(())
            for fut in running:
                fut.cancel()
            raise


class _StudentGrader:
    """Grades one roster entry and writes their files; never raises for the student's problems."""

    def __init__(self, rubric: Rubric, formats: list[str], students_dir: Path, endpoint_url: str | None,
                 regions: list[str] | None, synthetic: bool, access_factory: AccessFactory | None,
                 overrides: Overrides | None = None, reproduce: bool = False):
        self.rubric = rubric
        self.formats = formats
        self.students_dir = students_dir
        self.endpoint_url = endpoint_url
        self.regions = regions
        self.synthetic = synthetic
        self.access_factory = access_factory
        self.overrides = overrides
        self.reproduce = reproduce
        self.points = rubric_points(rubric)

    def request(self, entry: RosterEntry) -> GradeRequest:
        regions = entry.regions if entry.regions is not None else self.regions
        return GradeRequest(
            student=StudentInfo(id=entry.student_id, name=entry.name, email=entry.email),
            target=AwsTarget(
                profile=entry.profile, role_arn=entry.role_arn, external_id=entry.external_id,
                endpoint_url=self.endpoint_url,
            ),
            notebooks=entry.notebooks,
            regions=list(regions) if regions is not None else None,
            synthetic=self.synthetic,
            reproduce=self.reproduce,
            executed_dir=self.students_dir / entry.folder / "executed",
        )

    def grade(self, entry: RosterEntry) -> Outcome:
        folder = self.students_dir / entry.folder
        request = self.request(entry)
        report = apply_overrides(self._report(entry, request, folder), self.overrides, self.points)
        report.class_report = CLASS_LINK
        data = report.to_dict()
        from reports import write_student

        write_student(data, folder, self.formats)  # report.json last
        return _outcome(entry, data)

    def _report(self, entry: RosterEntry, request: GradeRequest, folder: Path):
        problem = entry.access_problem()
        if problem:
            return error_report(request, self.rubric, problem)
        started = time.perf_counter()
        try:
            access = self.access_factory(request.target) if self.access_factory else None
            return grade_student(request, self.rubric, access=access)
        except GraderError as exc:  # the student's own problem: bad profile, notebooks folder...
            return error_report(request, self.rubric, str(exc), started)
        except Exception as exc:  # noqa: BLE001 - a grader bug on one student must not sink the class
            logfile = folder / "grader-error.log"
            try:
                atomic_write(logfile, traceback.format_exc())
                where = f" (traceback in {logfile})"
            except OSError:
                where = ""
            message = f"internal error in the grader: {type(exc).__name__}: {exc}"[:400] + where
            return error_report(request, self.rubric, message, started)


def _outcome(entry: RosterEntry, data: dict[str, Any], *, resumed: bool = False) -> Outcome:
    status = data.get("status") or "error"
    percent = (data.get("score") or {}).get("percent")
    return Outcome(
        student_id=entry.student_id,
        folder=entry.folder,
        status=status,
        percent=None if status == "error" else percent,
        message=data.get("message"),
        resumed=resumed,
        api_calls=0 if resumed else int((data.get("stats") or {}).get("api_calls") or 0),
    )


# -- the closing summary ---------------------------------------------------------------------


def summary_lines(result: BatchResult) -> list[str]:
    """The closing summary: graded, errors, mean score, where the class report is."""
    n = len(result.outcomes)
    errors = result.errors
    mean = result.mean
    if mean is None:
        graded = [o.percent for o in result.outcomes if o.graded and o.percent is not None]
        mean = round(statistics.fmean(graded), 1) if graded else None
    lines = [
        f"graded {result.graded} of {n} students"
        + (f" ({result.resumed} from an earlier run)" if result.resumed else "")
        + f"; could not be graded: {len(errors)}"
        + (f"; mean score {mean:.1f}%" if mean is not None else "")
        + f"; {result.api_calls} AWS calls in {result.duration_s:.1f} s",
    ]
    for o in errors[:20]:
        lines.append(f"  not graded: {o.student_id}: {o.message}")
    if len(errors) > 20:
        lines.append(f"  ... and {len(errors) - 20} more (see grades.csv)")
    lines.append(f"class report: {result.index.resolve()}")
    return lines
