"""`grader report`: re-render saved results without touching AWS.

Accepts student ``report.json`` files (schema grader.student-report/1) and class
``class.json`` files (schema grader.class-report/1). Every file is read and checked before
anything is written; a missing, unreadable, corrupt or foreign file is an InputError naming
the file (the CLI prints it as one line and exits 2).

Where the files go:

- no ``--out``: next to each input file (so ``grader report out/students/*/report.json``
  refreshes every report in place); a file is never overwritten by its own re-rendering
  (re-rendering ``report.json`` as json in place is skipped);
- ``--out DIR`` with one input: into DIR;
- ``--out DIR`` with several inputs: each student report into ``DIR/<safe student id>/``
  (``-2``, ``-3``... when two ids give the same folder name), a class file into DIR itself
  (at most one class file then).

A class file is re-rendered from its students: the statistics are computed again (so a TA
may correct an entry in class.json and re-render), and the class files (index.html,
class.json, grades.csv) are always written. Its ``--format`` list is ignored apart from that.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from grader.errors import InputError
from grader.models import Score, Status, StudentInfo, StudentReport
from grader.output import atomic_write, ensure_out_dir, safe_name
from reports import CLASS_FORMATS, CLASS_REQUIRED, STUDENT_FORMATS, parse_formats
from reports.classdata import SCHEMA as CLASS_SCHEMA
from reports.classdata import build_class_report

STUDENT_SCHEMA = "grader.student-report/1"


class _ClassItem(BaseModel):
    id: str
    status: Status
    points: dict[str, float]


class _ClassStudent(BaseModel):
    student: StudentInfo
    status: str
    score: Score
    items: list[_ClassItem] = []
    message: str | None = None
    synthetic: bool = False
    generated_at: str | None = None


class _ClassRubric(BaseModel):
    id: str
    title: str | None = None
    version: str | None = None
    items: list[dict[str, Any]] = []


class _ClassReport(BaseModel):
    rubric: _ClassRubric
    students: list[_ClassStudent]
    generated_at: str | None = None


@dataclass
class Saved:
    path: Path
    kind: str  # "student" | "class"
    data: dict[str, Any]


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "(top)"
    return f"{loc}: {err['msg']}"


def _not_a_number(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is too large a number")
    return value


def load_saved(path: Path) -> Saved:
    """Read and check one saved report.json or class.json; InputError naming the file otherwise."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a report.json or class.json file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a JSON file (not UTF-8 text)") from None
    try:
        data = json.loads(text, parse_constant=_not_a_number, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise InputError(f"{path}: not valid JSON (nested too deeply)") from None
    except ValueError as exc:  # a non-finite number, an integer of thousands of digits
        raise InputError(f"{path}: not valid JSON ({str(exc)[:80]})") from None
    schema = data.get("schema") if isinstance(data, dict) else None
    if schema == STUDENT_SCHEMA:
        try:
            report = StudentReport.model_validate(data)
        except ValidationError as exc:
            raise InputError(f"{path}: not a valid grader report: {_first_error(exc)}") from None
        return Saved(path, "student", report.to_dict())
    if schema == CLASS_SCHEMA:
        try:
            _ClassReport.model_validate(data)
        except ValidationError as exc:
            raise InputError(f"{path}: not a valid grader class report: {_first_error(exc)}") from None
        rebuilt = build_class_report(data["rubric"], data["students"], generated_at=data.get("generated_at"))
        return Saved(path, "class", rebuilt)
    found = f"schema {schema!r}" if isinstance(data, dict) and "schema" in data else "no \"schema\" field"
    raise InputError(f"{path}: not a grader report ({found}; expected {STUDENT_SCHEMA} or {CLASS_SCHEMA})")


def _targets(saved: list[Saved], out: Path | None) -> list[Path]:
    if out is None:
        return [s.path.parent for s in saved]
    if len(saved) == 1:
        return [out]
    if sum(s.kind == "class" for s in saved) > 1:
        raise InputError("--out with several files: give at most one class.json at a time")
    used: set[str] = set()
    targets = []
    for s in saved:
        if s.kind == "class":
            targets.append(out)
            continue
        base = safe_name(str(s.data["student"]["id"]))
        name, n = base, 1
        while name.lower() in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name.lower())
        targets.append(out / name)
    return targets


def rerender(paths: list[Path], out: Path | None = None, formats: str | None = None) -> list[Path]:
    """Re-render saved report.json / class.json files (see the module doc); returns the paths written."""
    if not paths:
        raise InputError("give at least one report.json or class.json file")
    names = parse_formats(formats)
    saved = [load_saved(Path(p)) for p in paths]
    if out is not None:
        out = ensure_out_dir(out)
    written: list[Path] = []
    for item, folder in zip(saved, _targets(saved, out), strict=True):
        if item.kind == "student":
            renderers = [STUDENT_FORMATS[n] for n in names]
        else:
            renderers = [CLASS_FORMATS[n] for n in dict.fromkeys([*CLASS_REQUIRED, *names]) if n in CLASS_FORMATS]
        for renderer in renderers:
            target = folder / renderer.filename
            if target.resolve() == item.path.resolve():
                continue  # never overwrite the input with its own re-rendering
            atomic_write(target, renderer.render(item.data))
            written.append(target)
    return written
