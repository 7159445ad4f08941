"""The one loader of saved results: a student's report.json or a class's class.json.

`load_saved(path)` reads and checks one file against its schema (the models of
`grader.models` and `grader.classreport`); a missing, unreadable, corrupt or foreign file is an
InputError naming the file. `read_student_report(path)` is the tolerant form batch's `--resume`
uses: the report as a dict, or None when the file is missing or not a whole, valid report.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from grader.classreport import ClassReportModel, build_class_report
from grader.errors import InputError
from grader.models import CLASS_SCHEMA, STUDENT_SCHEMA, StudentReport


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
            ClassReportModel.model_validate(data)
        except ValidationError as exc:
            raise InputError(f"{path}: not a valid grader class report: {_first_error(exc)}") from None
        rebuilt = build_class_report(data["rubric"], data["students"], generated_at=data.get("generated_at"))
        return Saved(path, "class", rebuilt)
    found = f"schema {schema!r}" if isinstance(data, dict) and "schema" in data else "no \"schema\" field"
    raise InputError(f"{path}: not a grader report ({found}; expected {STUDENT_SCHEMA} or {CLASS_SCHEMA})")




def read_student_report(path: Path) -> dict[str, Any] | None:
    """A student's report.json as a dict, or None when it is missing or not a whole valid report."""
    try:
        saved = load_saved(path)
    except InputError:
        return None
    return saved.data if saved.kind == "student" else None
