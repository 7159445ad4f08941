"""One student's grading as a self-contained task: what a thread, a worker process or a Dask
worker runs, and what the batch's parent writes.

`StudentGrader` holds everything a task needs (the rubric, the formats, the run's options, the
overrides) and pickles, so a worker process or a cluster worker gets one copy. Its `render`
grades a roster entry and renders the student's files in memory (never raising for the
student's problems); `write` puts them on disk in `students/<safe id>/`, atomically and
`report.json` last. The split lets the CPU of rendering stay with the workers while one writer
(the batch's parent, or the cluster's client) owns the output folder.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.aws.session import AwsAccess, AwsTarget
from grader.engine import GradeRequest, error_report, grade_student, load_notebooks
from grader.errors import GraderError
from grader.integrity import student_prints
from grader.models import StudentInfo, StudentReport
from grader.notebooks.fingerprints import Fingerprint
from grader.output import atomic_write
from grader.overrides import Overrides, apply_overrides
from grader.resume import CLASS_LINK, rubric_points
from grader.roster import RosterEntry
from grader.rubric import Rubric

AccessFactory = Callable[[AwsTarget], AwsAccess]


@dataclass
class Rendered:
    """One student's files, rendered, in writing order (report.json last), and a small summary."""

    student_id: str
    files: list[tuple[str, str]]
    summary: dict[str, Any]
    extra: list[tuple[str, bytes]] = field(default_factory=list)  # e.g. executed/<name>.ipynb
    # the fingerprints of the notebooks graded (grader.integrity.student_prints), handed to the
    # class pass so that it need not read them again; None when no notebooks were read
    prints: dict[str, Fingerprint] | None = None


def summary_of(data: dict[str, Any]) -> dict[str, Any]:
    status = data.get("status") or "error"
    return {
        "status": status,
        "percent": (data.get("score") or {}).get("percent"),
        "message": data.get("message"),
        "api_calls": int((data.get("stats") or {}).get("api_calls") or 0),
    }


class StudentGrader:
    """Grades one roster entry; never raises for the student's problems (see the module doc).

    Pickled as its state's bytes and their sha256 (`__reduce__`), once per instance; unpickled
    through `_restore`, which keeps the last few restored in the process: a cluster sends the
    grader with each student's task, and the scheduler and the worker then unpickle one cached
    bytes object per task instead of the rubric's models again each time."""

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
        self._pickled: tuple[str, bytes] | None = None

    def __reduce__(self):
        if self._pickled is None:
            state = pickle.dumps({k: v for k, v in self.__dict__.items() if k != "_pickled"}, protocol=5)
            self._pickled = (hashlib.sha256(state).hexdigest(), state)
        return _restore, (type(self), *self._pickled)

    def request(self, entry: RosterEntry, executed_dir: Path | None = None) -> GradeRequest:
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
            executed_dir=executed_dir or self.students_dir / entry.folder / "executed",
        )

    # -- in a worker -----------------------------------------------------------------------
    def render(self, entry: RosterEntry, executed_dir: Path | None = None) -> Rendered:
        """Grade `entry` and render their files (nothing written but a grader bug's traceback)."""
        request = self.request(entry, executed_dir)
        report, submission = self._report(entry, request)
        rendered = self._rendered(entry, report)
        if submission is not None:
            rendered.prints = student_prints(submission)
        return rendered

    def error(self, entry: RosterEntry, message: str) -> Rendered:
        """The files of a student who could not be graded, saying why."""
        return self._rendered(entry, error_report(self.request(entry), self.rubric, message))

    def _rendered(self, entry: RosterEntry, report) -> Rendered:
        from reports import STUDENT_FORMATS, load_renderers

        report = apply_overrides(report, self.overrides, self.points)
        report.class_report = CLASS_LINK
        data = report.to_dict()
        load_renderers()
        files = [(STUDENT_FORMATS[name].filename, STUDENT_FORMATS[name].render(data)) for name in self.formats]
        return Rendered(entry.student_id, files, summary_of(data))

    def _report(self, entry: RosterEntry, request: GradeRequest) -> tuple[StudentReport, Any]:
        """The student's report, and their notebooks' facts when they were read (else None)."""
        problem = entry.access_problem()
        if problem:
            return error_report(request, self.rubric, problem), None
        started = time.perf_counter()
        submission = None
        try:
            submission = load_notebooks(request.notebooks)
            access = self.access_factory(request.target) if self.access_factory else None
            return grade_student(request, self.rubric, access=access, submission=submission), submission
        except GraderError as exc:  # the student's own problem: bad profile, notebooks folder...
            return error_report(request, self.rubric, str(exc), started), submission
        except Exception as exc:  # noqa: BLE001 - a grader bug on one student must not sink the class
            logfile = self.students_dir / entry.folder / "grader-error.log"
            try:
                atomic_write(logfile, traceback.format_exc())
                where = f" (traceback in {logfile})"
            except OSError:
                where = ""
            message = f"internal error in the grader: {type(exc).__name__}: {exc}"[:400] + where
            return error_report(request, self.rubric, message, started), None

    # -- in the writer ----------------------------------------------------------------------
    def write(self, entry: RosterEntry, rendered: Rendered) -> None:
        """The student's files into their folder, each atomically, report.json last."""
        folder = self.students_dir / entry.folder
        for name, data in rendered.extra:
            atomic_write(folder / name, data)
        for name, text in rendered.files:
            atomic_write(folder / name, text)


_RESTORED: OrderedDict[tuple[type, str], StudentGrader] = OrderedDict()
_RESTORED_LOCK = threading.Lock()
MAX_RESTORED = 8


def _restore(cls: type[StudentGrader], digest: str, state: bytes) -> StudentGrader:
    """The `cls` (StudentGrader or a subclass) pickled as `state` (see StudentGrader), the same
    object for the same bytes."""
    key = (cls, digest)
    with _RESTORED_LOCK:
        hit = _RESTORED.get(key)
        if hit is not None:
            _RESTORED.move_to_end(key)
            return hit
    grader = cls.__new__(cls)
    grader.__dict__.update(pickle.loads(state))
    grader._pickled = (digest, state)
    with _RESTORED_LOCK:
        _RESTORED[key] = grader
        while len(_RESTORED) > MAX_RESTORED:
            _RESTORED.popitem(last=False)
    return grader
