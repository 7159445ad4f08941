"""A batch's state on disk: which students are done (`--resume`), the stale temporary files of
a killed run, and the class files rebuilt from the students' report.json files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.roster import Roster, RosterEntry
from grader.rubric import Rubric
from grader.saved import read_student_report


def resumable(folder: Path, entry: RosterEntry, rubric: Rubric) -> dict[str, Any] | None:
    """The saved report when this student need not be graded again, else None."""
    data = read_student_report(folder / "report.json")
    if data is None:
        return None
    same_student = data["student"].get("id") == entry.student_id
    same_rubric = (data["rubric"].get("id"), str(data["rubric"].get("version"))) == (rubric.id, rubric.version)
    if same_student and same_rubric and data.get("status") in ("pass", "fail"):
        return data
    return None


def complete_formats(data: dict[str, Any], folder: Path, formats: list[str]) -> None:
    """A resumed student keeps their report; re-render only the files that are missing (a run
    killed between two of a student's files, or a new --format)."""
    from reports import STUDENT_FORMATS, load_renderers, write_student

    load_renderers()
    missing = [f for f in formats if f != "json" and not (folder / STUDENT_FORMATS[f].filename).exists()]
    if missing:
        write_student(data, folder, missing)


def remove_stale_temp_files(out: Path) -> None:
    """Temporary files left by a run that was killed mid-write (grader.output.atomic_write)."""
    for pattern in (".*.tmp", "students/*/.*.tmp"):
        for tmp in out.glob(pattern):
            try:
                tmp.unlink()
            except OSError:
                pass


CLASS_ENTRY_KEYS = ("schema", "student", "rubric", "status", "score", "items", "message", "synthetic", "generated_at")


def _class_entry(data: dict[str, Any]) -> dict[str, Any]:
    """The part of a report.json the class files use (keeps a class of thousands small)."""
    entry = {k: data.get(k) for k in CLASS_ENTRY_KEYS}
    entry["items"] = [
        {"id": i.get("id"), "title": i.get("title"), "category": i.get("category"), "status": i.get("status"),
         "points": i.get("points")}
        for i in data.get("items") or [] if isinstance(i, dict)
    ]
    return entry


def rubric_info(rubric: Rubric) -> dict[str, Any]:
    """The rubric's id, title, version and its items in order (the gradebook's columns)."""
    items = []
    for item in rubric.items:
        spec = rubric.spec_for(item)
        items.append({"id": item.id, "title": item.title or spec.title, "category": spec.category,
                      "points": item.points})
    return {**rubric.info(), "items": items}


def build_class(rubric: Rubric, roster: Roster, students_dir: Path) -> dict[str, Any]:
    """The class dict, rebuilt from the students' report.json files in roster order. A student
    with no readable report (should not happen) is listed as `error` saying so."""
    from grader.classreport import build_class_report

    entries = []
    for entry in roster:
        data = read_student_report(students_dir / entry.folder / "report.json")
        if data is None:
            data = {
                "student": {"id": entry.student_id, "name": entry.name, "email": entry.email},
                "status": "error",
                "score": {"earned": 0.0, "possible": rubric.possible, "percent": 0.0},
                "items": [],
                "message": "no report was written for this student (the run stopped before grading them)",
            }
        entries.append(_class_entry(data))
    return build_class_report(rubric_info(rubric), entries)
