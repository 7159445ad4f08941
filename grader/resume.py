"""A batch's state on disk: which students are done (`--resume`), the stale temporary files of
a killed run, and the class files rebuilt from the students' report.json files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.models import StudentReport
from grader.overrides import Overrides, apply_overrides
from grader.roster import Roster, RosterEntry
from grader.rubric import Rubric
from grader.saved import read_student_report

if TYPE_CHECKING:
    from grader.notebooks.fingerprints import Fingerprint

Prints = dict[str, dict[str, "Fingerprint"]]  # student id -> their fingerprints by key

CLASS_LINK = "../../index.html"  # a student's report.html -> the class report, in a batch's folder


def resumable(folder: Path, entry: RosterEntry, rubric: Rubric, reproduce: bool = False) -> dict[str, Any] | None:
    """The saved report when this student need not be graded again, else None: a report that
    is theirs, made with the same effective rubric (id, version and digest: a changed threshold
    or points re-grades), with the notebooks re-executed when --reproduce asks for it (a student
    without notebooks has nothing to re-execute), and not `error`."""
    data = read_student_report(folder / "report.json")
    if data is None:
        return None
    same_student = data["student"].get("id") == entry.student_id
    saved = (data["rubric"].get("id"), str(data["rubric"].get("version")), data["rubric"].get("digest"))
    same_rubric = saved == (rubric.id, rubric.version, rubric.digest)
    reproduced_enough = not reproduce or data.get("reproduced") or not entry.notebooks
    if same_student and same_rubric and reproduced_enough and data.get("status") in ("pass", "fail"):
        return data
    return None


def keep_resumed(data: dict[str, Any], folder: Path, formats: list[str], overrides: Overrides | None,
                 points: dict[str, float]) -> dict[str, Any]:
    """A resumed student keeps their verdicts; today's overrides are applied again (idempotent),
    and their files are rewritten when that changed anything, else only the missing ones."""
    report = StudentReport.model_validate(data)
    updated = apply_overrides(report, overrides, points)
    updated.class_report = CLASS_LINK
    new = updated.to_dict()
    if new != data:
        from reports import write_student

        write_student(new, folder, formats)
        return new
    complete_formats(data, folder, formats)
    return data


def rubric_points(rubric: Rubric) -> dict[str, float]:
    return {item.id: float(item.points) for item in rubric.items}


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


CLASS_ENTRY_KEYS = ("schema", "student", "rubric", "status", "score", "items", "message", "synthetic", "generated_at",
                    "review", "incomplete")


def _class_entry(data: dict[str, Any]) -> dict[str, Any]:
    """The part of a report.json the class files use (keeps a class of thousands small)."""
    entry = {k: data.get(k) for k in CLASS_ENTRY_KEYS}
    entry["items"] = [
        {"id": i.get("id"), "title": i.get("title"), "category": i.get("category"), "status": i.get("status"),
         "points": i.get("points"), "review": i.get("review"), "override": i.get("override")}
        for i in data.get("items") or [] if isinstance(i, dict)
    ]
    return entry


def rubric_info(rubric: Rubric) -> dict[str, Any]:
    """The rubric's id, title, version and its items in order (the gradebook's columns)."""
    items = [{"id": b.id, "title": b.title, "category": b.category, "points": b.points} for b in rubric.bound]
    return {**rubric.info(), "digest": rubric.digest, "items": items}


def mark_shared_work(rubric: Rubric, roster: Roster, students_dir: Path,
                     prints: Prints | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The class-level shared-work pass (grader.integrity): pairs of graded students sharing what
    only one run prints are found, and each flagged student's report files (those present:
    report.json, report.html, ...) are rewritten atomically with `shared-work` flags naming the
    other student; flags of an earlier pass are replaced.

    `prints`: the fingerprints of the students graded in this run, by student id, as their tasks
    computed them from the notebooks they graded (`Rendered.prints`); the others' notebooks (a
    resumed student's) are read again. Each report.json is read once, and again only for a
    student whose flags change. Returns the pairs for the class report, and each student's class
    entry (`_class_entry`, their flags as written; None: no readable report)."""
    from grader import integrity

    run = rubric.run_params
    prints = prints or {}
    found, names, reviews, entries = {}, {}, {}, {}
    for entry in roster:
        folder = students_dir / entry.folder
        data = read_student_report(folder / "report.json")
        entries[entry.student_id] = None if data is None else _class_entry(data)
        if data is None or data.get("status") == "error":
            continue
        reviews[entry.student_id] = (folder, data.get("review") or [])
        names[entry.student_id] = entry.name
        if entry.student_id in prints:
            found[entry.student_id] = prints[entry.student_id]
        elif entry.notebooks is not None and Path(entry.notebooks).is_dir():
            from grader.notebooks import read_submission

            found[entry.student_id] = integrity.student_prints(read_submission(Path(entry.notebooks)))
    known = set().union(*(k.keys() for k in run.known_solutions)) if run.known_solutions else set()
    pairs = integrity.find_shared(found, min_evidence=run.shared_work_min_evidence,
                                  max_share=run.shared_work_max_share, exclude=known | integrity.template_keys())
    flags = integrity.shared_flags(pairs, names)
    for student, (folder, old) in reviews.items():
        kept = [f for f in old if not integrity.is_class_flag(f)]
        review = kept + [f.model_dump(mode="json") for f in flags.get(student, [])]
        if review != old:
            data = read_student_report(folder / "report.json")
            if data is not None:
                entries[student] = _class_entry(_rewrite(folder, {**data, "review": review}))
    return [{**p.to_dict(), "names": [names.get(p.a), names.get(p.b)]} for p in pairs], entries


def _rewrite(folder: Path, data: dict[str, Any]) -> dict[str, Any]:
    """Rewrite a student's report files that exist (json last: it marks the student as done);
    returns the report as written."""
    from reports import STUDENT_FORMATS, load_renderers, write_student

    load_renderers()
    present = [f for f, r in STUDENT_FORMATS.items() if f != "json" and (folder / r.filename).exists()]
    written = StudentReport.model_validate(data).to_dict()
    write_student(written, folder, [*present, "json"])
    return written


def build_class(rubric: Rubric, roster: Roster, students_dir: Path,
                prints: Prints | None = None) -> dict[str, Any]:
    """The class dict, from the students' report.json files in roster order, after the
    class-level shared-work pass (`mark_shared_work`, given `prints`). A student with no readable
    report (should not happen) is listed as `error` saying so."""
    from grader.classreport import build_class_report

    pairs, found = mark_shared_work(rubric, roster, students_dir, prints)
    entries = []
    for entry in roster:
        data = found.get(entry.student_id)
        if data is None:
            data = _class_entry({
                "student": {"id": entry.student_id, "name": entry.name, "email": entry.email},
                "status": "error",
                "score": {"earned": 0.0, "possible": rubric.possible, "percent": 0.0},
                "items": [],
                "message": "no report was written for this student (the run stopped before grading them)",
            })
        entries.append(data)
    return build_class_report(rubric_info(rubric), entries, shared_work=pairs)
