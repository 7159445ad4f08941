"""`grader report --overrides`: apply a TA's decisions to saved results, without touching AWS.

For a class.json, every student's report.json in that class folder (found by the entry's
`report` link) is updated, with their report.html and any other format file already there,
then class.json, index.html and grades.csv are rebuilt. For a student report.json, that report
(and its sibling format files) is updated. Everything is checked before anything is written:
an override naming a student or an item that is not in the saved results is an input error
naming the line. Files are replaced atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.classreport import build_class_report
from grader.errors import InputError
from grader.models import StudentReport
from grader.overrides import Overrides, apply_overrides
from grader.saved import Saved, load_saved


def _formats_present(folder: Path) -> list[str]:
    from reports import STUDENT_FORMATS, load_renderers

    load_renderers()
    present = [name for name, r in STUDENT_FORMATS.items() if (folder / r.filename).exists() and name != "json"]
    return [*dict.fromkeys([*present, "html"]), "json"]


def _student_path(class_path: Path, entry: dict[str, Any]) -> Path:
    link = str(entry.get("report") or "")
    target = (class_path.parent / link).resolve().with_name("report.json")
    if not target.is_relative_to(class_path.parent.resolve()):
        raise InputError(f"{class_path}: student {entry['student']['id']!r} links outside the class folder")
    return target


def apply_saved(paths: list[Path], overrides: Overrides) -> list[Path]:
    """Apply `overrides` to the saved files `paths` (see the module doc); the paths written."""
    from reports import write_class, write_student

    saved = [load_saved(Path(p)) for p in paths]
    plans: list[tuple[Saved, list[tuple[Path, StudentReport]]]] = []
    students: set[str] = set()
    points: dict[str, float] = {}
    for s in saved:
        if s.kind == "class":
            pairs = []
            for entry in s.data["students"]:
                path = _student_path(s.path, entry)
                if path.exists():
                    pairs.append((path, StudentReport.model_validate(load_saved(path).data)))
                students.add(str(entry["student"]["id"]))
            points.update({str(i["id"]): float(i.get("points") or 0.0) for i in s.data["rubric"]["items"]})
        else:
            report = StudentReport.model_validate(s.data)
            pairs = [(s.path, report)]
            students.add(report.student.id)
            for item in report.items:
                points.setdefault(item.id, item.points.possible)
        plans.append((s, pairs))
    overrides.check_against(students, points)
    written: list[Path] = []
    for s, pairs in plans:
        updated: dict[str, dict[str, Any]] = {}
        for path, report in pairs:
            new = apply_overrides(report, overrides, points).to_dict()
            written += write_student(new, path.parent, _formats_present(path.parent))
            updated[new["student"]["id"]] = new
        if s.kind == "class":
            entries = [updated.get(str(e["student"]["id"]), e) for e in s.data["students"]]
            class_dict = build_class_report(s.data["rubric"], entries, generated_at=s.data.get("generated_at"))
            written += write_class(class_dict, s.path.parent)
    return written
