"""`grader batch`: grade a whole class from a roster, each student in isolation, concurrently,
crash-safe and resumable.

- Load: the rubric, the formats and the roster are validated before any AWS call (InputError,
  exit 2).
- Grade: each student is one task (grader.gradetask): on `jobs` threads in this process, in
  worker processes (`workers`, grader.workers) or on a Dask cluster (`scheduler`,
  grader.cluster); regions are fanned out inside each student by `AccountFacts.across`. A task never raises for the student's own
  problems: credentials that do not work, a profile that does not exist, a missing notebooks
  folder or even a grader bug while grading them become that student's report with status
  `error` and a message, and the others are graded.
- Write: when a student finishes, this process (the only writer) writes their files atomically into
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
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import ExitCode, InputError
from grader.gradetask import AccessFactory, Rendered, StudentGrader, summary_of
from grader.output import ensure_out_dir
from grader.overrides import read_overrides
from grader.progress import Progress
from grader.resume import (
    Prints,
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

DEFAULT_STUDENT_TIMEOUT_S = 600.0  # grading one student's account and notebooks takes seconds


def default_workers() -> int:
    """`--workers` by default: the cores this process may use."""
    from grader.reproduce.slots import cores

    return cores()


def default_student_timeout(rubric: Rubric, reproduce: bool) -> float:
    """The per-student time limit by default: 10 minutes, plus, with `--reproduce`, the longest
    each of the two notebooks can take within the sandbox's own bounds (`longest_run_s`): a
    worker runs them one after the other, and a notebook is only ever stopped by its own limits."""
    if not reproduce:
        return DEFAULT_STUDENT_TIMEOUT_S
    from grader.reproduce.execute import longest_run_s

    return DEFAULT_STUDENT_TIMEOUT_S + 2 * longest_run_s(rubric.run_params.notebook_timeout_s)


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
    workers: int | None = None,
    scheduler: str | None = None,
    student_timeout: float | None = None,
) -> BatchResult:
    """Grade every student of `roster` into the folder `out`; see the module doc.

    `reproduce`: re-execute each student's notebooks in the sandbox (their executed copies go to
    `students/<id>/executed/`); a resumed student graded without it is graded again.
    `overrides`: a TA's overrides.csv (grader.overrides), checked against the roster and the
    rubric before anything is graded, and applied to every student, graded now or resumed.

    `regions`: the command's `--regions` (None: the rubric's); a roster row's own `regions` wins.
    `access_factory(target) -> AwsAccess` replaces how a student's AWS access is made (tests
    inject faults with it); by default `AwsAccess(target)`.

    Where the students are graded: `workers=None` (the default of this function) in this
    process, on `jobs` threads, without a time limit; `workers=N` in N worker processes
    (grader.workers; `grader batch` gives the cores) with `jobs` students at once spread over
    them; `scheduler="tcp://host:8786"` on that Dask cluster (grader.cluster). With processes or
    a cluster, a student still running `student_timeout` seconds after it started (default
    `default_student_timeout`) is stopped and is an `error` row naming the limit.
    """
    from reports import parse_formats

    started = time.perf_counter()
    if jobs < 1:
        raise InputError("--jobs must be at least 1")
    if workers is not None and workers < 1:
        raise InputError("--workers must be at least 1")
    if student_timeout is not None and student_timeout <= 0:
        raise InputError("--student-timeout must be more than 0 seconds")
    if access_factory is not None and (workers is not None or scheduler is not None):
        raise InputError("an access_factory grades in this process: use workers=None and no scheduler")
    if scheduler is not None:
        from grader.extras import require_extra

        require_extra("dask", "distributed", command="batch --scheduler")
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
            outcomes[entry.student_id] = _outcome(entry, summary_of(done), resumed=True)
        else:
            todo.append(entry)

    grader = StudentGrader(rubric, fmt, students_dir, endpoint_url, regions, synthetic, access_factory, decisions,
                           reproduce)
    limit = student_timeout if student_timeout is not None else default_student_timeout(rubric, reproduce)
    progress.start(len(roster.entries), resumed=len(outcomes))
    for outcome in outcomes.values():
        progress.advance(outcome)
    prints: Prints = {}  # the fingerprints of the students graded now, for the class pass
    try:
        for entry, rendered in _graded(grader, todo, jobs, workers, scheduler, limit):
            grader.write(entry, rendered)  # report.json last
            if rendered.prints is not None:
                prints[entry.student_id] = rendered.prints
            outcome = _outcome(entry, rendered.summary)
            outcomes[outcome.student_id] = outcome
            progress.advance(outcome)
    except BaseException:
        progress.stop()
        _write_class_best_effort(rubric, roster, out, fmt, prints)
        raise
    progress.stop()

    from reports import write_class

    class_dict = build_class(rubric, roster, students_dir, prints)
    class_files = write_class(class_dict, out, fmt)
    ordered = [outcomes[e.student_id] for e in roster]
    return BatchResult(
        out=out,
        outcomes=ordered,
        class_files=class_files,
        duration_s=time.perf_counter() - started,
        mean=class_dict.get("stats", {}).get("mean"),
    )


def _write_class_best_effort(rubric: Rubric, roster: Roster, out: Path, fmt: list[str], prints: Prints) -> None:
    """A run stopped by a fault or Ctrl-C still leaves class files for the students done."""
    from reports import write_class

    try:
        write_class(build_class(rubric, roster, out / "students", prints), out, fmt)
    except Exception:  # noqa: BLE001 - the original error is the one to report
        log.debug("could not write the class files after the run stopped", exc_info=True)


def _student_formats(fmt: list[str]) -> list[str]:
    """The run's formats plus html and json, with json last (it marks the student as done)."""
    names = [f for f in dict.fromkeys([*fmt, *ALWAYS]) if f != "json"]
    return [*names, "json"]


def _graded(grader: StudentGrader, todo: list[RosterEntry], jobs: int, workers: int | None, scheduler: str | None,
            limit: float) -> Iterator[tuple[RosterEntry, Rendered]]:
    """(entry, rendered files) for each student of `todo`, as they finish, wherever they are graded."""
    if scheduler is not None:
        from grader.cluster import connect, run_on_cluster

        client = connect(scheduler)
        try:
            yield from run_on_cluster(grader, todo, client, limit)
        finally:
            client.close()
    elif workers is not None and todo:
        from grader.workers import ProcessPool

        # With --reproduce a worker grades one student at a time, with one kernel: no student waits
        # behind another's notebooks inside a worker (their time limit counts from hand-out and
        # covers their own two notebooks one after the other), and --workers N runs N kernels at
        # once, on N cores.
        slots = 1 if grader.reproduce else -(-jobs // workers)
        yield from ProcessPool(grader, workers, slots, limit, kernels=1).run(todo)
    else:
        yield from _run_pool(lambda entry: (entry, grader.render(entry)), todo, jobs)


def _run_pool(task: Callable[[RosterEntry], tuple[RosterEntry, Rendered]], entries: list[RosterEntry], jobs: int):
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


def _outcome(entry: RosterEntry, summary: dict[str, Any], *, resumed: bool = False) -> Outcome:
    """`summary`: `grader.gradetask.summary_of(report dict)`."""
    status = summary["status"]
    return Outcome(
        student_id=entry.student_id,
        folder=entry.folder,
        status=status,
        percent=None if status == "error" else summary["percent"],
        message=summary["message"],
        resumed=resumed,
        api_calls=0 if resumed else summary["api_calls"],
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
        f"graded {result.graded} of {n} student{'' if n == 1 else 's'}"
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
