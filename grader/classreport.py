"""The class report (class.json, schema grader.class-report/1) built from student reports.

This is the one place where class statistics are computed (scoring layer); the class renderers
(index.html, grades.csv, class.json) in `reports/` only format the dict built here.

Use from a batch run::

    from grader.classreport import build_class_report
    from reports import write_class, write_student

    for report in reports:                       # report.json dicts (StudentReport.to_dict())
        write_student(report, out / "students" / safe_name(report["student"]["id"]), formats)
    class_dict = build_class_report({**rubric.info(), "items": rubric_items}, reports)
    write_class(class_dict, out, formats)        # index.html, class.json, grades.csv

The shape (every key always present)::

    {
      "schema": "grader.class-report/1",
      "rubric": {"id", "title", "version",
                 "items": [{"id", "title", "category", "points"}]},   # gradebook column order
      "synthetic": bool,                   # true when any student report is synthetic
      "generated_at": "...Z", "grader_version": "...",
      "students": [                        # in the order given (roster order)
        {"student": {"id", "name", "email", "account_id"},
         "status": "pass|fail|error", "score": {"earned", "possible", "percent"},
         "items": [{"id", "status", "points": {"earned", "possible"}, "review", "override"}],
         "message": str | None,           # why, for a student who could not be graded
         "review": [{"item", "kind", "reason", "resolved"}], "needs_review": bool,
         "incomplete": [input names], "complete": bool,  # e.g. ["notebooks"]: not given
         "synthetic": bool, "generated_at": str | None,
         "report": "students/<safe id>/report.html"}                    # link for index.html
      ],
      "stats": {
        "count", "graded", "errors",                     # students
        "passing",                                       # graded, complete, every item passing
        "incomplete", "needs_review",                    # students missing an input / flagged
        "mean", "median", "min", "max",                  # percent of graded students (None if none)
        "mean_earned",                                   # points, graded students
        "status_counts": {"pass", "fail", "error"},
        "histogram": [{"from", "to", "count"}],          # 10 bins of percent; the last holds 100
        "items": [{"id", "title", "category", "points",  # rubric order
                   "counts": {status: n for the seven statuses},
                   "assessed",                           # students with pass/warn/partial/fail/error
                   "not_passing",                        # (partial+fail+error) / assessed, or None
                   "mean_earned", "rank",                # rank 1 = the hardest lesson step
                   "students_not_passing"}],             # ids with partial/fail/error
        "hardest": [item ids, hardest first],
        "needs_person": [{"student", "name", "reason", "items", "flags", "report", "graded"}],
        "shared_work": [{"students": [a, b], "names", "shared": n,   # batch: pairs of students
                         "evidence": [...], "reports": [a's link, b's]}]  # sharing one run
      }
    }

Scores are means over graded students only: a student who could not be graded (status
``error``) has no score to average, is counted in ``errors`` and listed in ``needs_person``.
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from grader import __version__
from grader.models import ASSESSED as _ASSESSED
from grader.models import CLASS_SCHEMA as SCHEMA
from grader.models import FAILING, STATUS_ORDER, Override, Review, ReviewFlag, Score, Status, StudentInfo
from grader.output import safe_name

STATUSES = tuple(str(s) for s in STATUS_ORDER)
ASSESSED = tuple(s for s in STATUSES if s in _ASSESSED)
NOT_PASSING = tuple(s for s in STATUSES if s in FAILING)


# The parts of class.json that are read back (`grader report`, `grader.saved`): checked on load.
class ClassItem(BaseModel):
    id: str
    status: Status
    points: dict[str, float]
    review: Review | None = None
    override: Override | None = None


class ClassStudent(BaseModel):
    student: StudentInfo
    status: str
    score: Score
    items: list[ClassItem] = []
    message: str | None = None
    review: list[ReviewFlag] = []
    incomplete: list[str] = []
    synthetic: bool = False
    generated_at: str | None = None


class ClassRubric(BaseModel):
    id: str
    title: str | None = None
    version: str | None = None
    items: list[dict[str, Any]] = []


class ClassReportModel(BaseModel):
    rubric: ClassRubric
    students: list[ClassStudent]
    generated_at: str | None = None


def build_class_report(
    rubric_info: dict[str, Any],
    student_reports: list[dict[str, Any]],
    *,
    generated_at: str | None = None,
    shared_work: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The class dict (class.json shape, see the module doc) of a rubric and its student reports.

    `rubric_info`: ``{"id", "title", "version"}`` (``Rubric.info()``), optionally with
    ``"items": [{"id", "title"?, "category"?, "points"?}]`` or ``"item_ids": [...]`` giving the
    rubric's items in order; without either, the items are the union of the students' items in
    order of first appearance, with titles, categories and points taken from the reports.

    `student_reports`: report.json dicts (full ones, or class.json student entries: only
    ``student``, ``status``, ``score``, ``items`` with ``id``/``status``/``points`` and
    ``message`` are read). Order is kept. `generated_at` defaults to now (UTC). `shared_work`:
    the pairs of the class-level pass (grader.resume.mark_shared_work), listed in
    ``stats.shared_work`` with each student's report link.
    """
    items = _rubric_items(rubric_info, student_reports)
    students = [_student_entry(r) for r in student_reports]
    return {
        "schema": SCHEMA,
        "rubric": {
            "id": rubric_info.get("id"),
            "title": rubric_info.get("title"),
            "version": rubric_info.get("version"),
            "items": items,
        },
        "synthetic": any(s["synthetic"] for s in students),
        "generated_at": generated_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "grader_version": __version__,
        "students": students,
        "stats": {**_stats(items, students), "shared_work": _pairs(shared_work or [], students)},
    }


def _pairs(pairs: list[dict[str, Any]], students: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The shared-work pairs, each with both students' report links."""
    links = {s["student"]["id"]: s["report"] for s in students}
    return [{**p, "reports": [links.get(x) for x in p["students"]]} for p in pairs]


def _rubric_items(rubric_info: dict[str, Any], reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for report in reports:
        for item in report.get("items") or []:
            if item.get("id") is not None:
                found = seen.setdefault(str(item["id"]), {"title": None, "category": None, "points": 0.0})
                found["title"] = found["title"] or item.get("title")
                found["category"] = found["category"] or item.get("category")
                found["points"] = max(found["points"], float((item.get("points") or {}).get("possible") or 0.0))
    if rubric_info.get("items"):
        declared = [dict(i) for i in rubric_info["items"]]
    elif rubric_info.get("item_ids"):
        declared = [{"id": i} for i in rubric_info["item_ids"]]
    else:
        declared = [{"id": i} for i in seen]
    out = []
    for d in declared:
        item_id = str(d["id"])
        found = seen.get(item_id, {})
        points = d.get("points")
        out.append({
            "id": item_id,
            "title": d.get("title") or found.get("title") or item_id,
            "category": d.get("category") or found.get("category") or "Other",
            "points": float(points) if points is not None else found.get("points", 0.0),
        })
    return out


def _student_entry(report: dict[str, Any]) -> dict[str, Any]:
    student = dict(report.get("student") or {})
    sid = str(student.get("id") or "")
    status = report.get("status") or "error"
    score = report.get("score") or {}
    message = report.get("message")
    if status == "error" and not message:
        message = "Could not be graded (no reason was recorded)."
    review = [dict(f) for f in report.get("review") or [] if isinstance(f, dict)]
    if "review" not in report:  # a report saved before review flags existed: its error items
        review = [{"item": str(i.get("id")), "kind": "error", "reason": str(i.get("message") or ""), "resolved": False}
                  for i in report.get("items") or [] if isinstance(i, dict) and i.get("status") == "error"]
    incomplete = [str(x) for x in report.get("incomplete") or []]
    return {
        "student": {k: student.get(k) for k in ("id", "name", "email", "account_id")},
        "status": status,
        "score": {
            "earned": float(score.get("earned") or 0.0),
            "possible": float(score.get("possible") or 0.0),
            "percent": float(score.get("percent") or 0.0),
        },
        "items": [_item_entry(i) for i in report.get("items") or []],
        "message": message,
        "review": review,
        "needs_review": any(not f.get("resolved") for f in review),
        "incomplete": incomplete,
        "complete": status != "error" and not incomplete,
        "synthetic": bool(report.get("synthetic")),
        "generated_at": report.get("generated_at"),
        "report": f"students/{safe_name(sid)}/report.html",
    }


def _item_entry(item: dict[str, Any]) -> dict[str, Any]:
    entry = {
        "id": str(item.get("id")),
        "status": item.get("status"),
        "points": {
            "earned": float((item.get("points") or {}).get("earned") or 0.0),
            "possible": float((item.get("points") or {}).get("possible") or 0.0),
        },
    }
    for key in ("review", "override"):  # only when there is one: keeps a class of thousands small
        if item.get(key):
            entry[key] = item[key]
    return entry


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _histogram(percents: list[float]) -> list[dict[str, Any]]:
    bins = [{"from": lo, "to": lo + 10, "count": 0} for lo in range(0, 100, 10)]
    for p in percents:
        bins[min(max(int(p // 10), 0), 9)]["count"] += 1
    return bins


def _stats(items: list[dict[str, Any]], students: list[dict[str, Any]]) -> dict[str, Any]:
    graded = [s for s in students if s["status"] != "error"]
    percents = [s["score"]["percent"] for s in graded]
    item_stats = []
    for n, item in enumerate(items):
        counts = dict.fromkeys(STATUSES, 0)
        earned = []
        not_passing_ids: list[str] = []
        for s in graded:
            found = next((i for i in s["items"] if i["id"] == item["id"]), None)
            if found is None:
                continue
            counts[found["status"]] = counts.get(found["status"], 0) + 1
            if found["status"] in ASSESSED:
                earned.append(found["points"]["earned"])
            if found["status"] in NOT_PASSING:
                not_passing_ids.append(str(s["student"]["id"]))
        assessed = sum(counts[st] for st in ASSESSED)
        not_passing = sum(counts[st] for st in NOT_PASSING) / assessed if assessed else None
        item_stats.append({
            **item,
            "counts": counts,
            "assessed": assessed,
            "not_passing": None if not_passing is None else round(not_passing, 4),
            "mean_earned": round(statistics.fmean(earned), 2) if earned else None,
            "students_not_passing": not_passing_ids,
            "_order": n,
        })

    def hardness(stat: dict[str, Any]) -> tuple:
        if stat["not_passing"] is None:
            return (1, 0.0, 0.0, stat["_order"])
        share = (stat["mean_earned"] or 0.0) / stat["points"] if stat["points"] else 1.0
        return (0, -stat["not_passing"], share, stat["_order"])

    hardest = sorted(item_stats, key=hardness)
    for rank, stat in enumerate(hardest, 1):
        stat["rank"] = rank
    for stat in item_stats:
        del stat["_order"]

    needs_person: list[dict[str, Any]] = []  # not graded first, then flagged students; roster order
    for s in students:
        if s["status"] == "error":
            needs_person.append({"student": s["student"]["id"], "name": s["student"]["name"],
                                 "reason": s["message"], "items": [], "flags": [], "report": s["report"], "graded": False})
            continue
        flags = [f for f in s["review"] if not f.get("resolved")]
        if flags:
            kinds = list(dict.fromkeys(str(f.get("kind")) for f in flags))
            needs_person.append({"student": s["student"]["id"], "name": s["student"]["name"],
                                 "reason": f"{len(flags)} flag(s): {', '.join(kinds)}",
                                 "items": [f["item"] for f in flags if f.get("item")], "flags": flags,
                                 "report": s["report"], "graded": True})

    needs_person.sort(key=lambda p: p["graded"])
    return {
        "count": len(students),
        "graded": len(graded),
        "errors": len(students) - len(graded),
        "passing": sum(1 for s in graded if s["status"] == "pass" and s["complete"]),
        "incomplete": sum(1 for s in graded if not s["complete"]),
        "needs_review": sum(1 for s in students if s["needs_review"]),
        "mean": _round(statistics.fmean(percents)) if percents else None,
        "median": _round(statistics.median(percents)) if percents else None,
        "min": _round(min(percents)) if percents else None,
        "max": _round(max(percents)) if percents else None,
        "mean_earned": round(statistics.fmean(s["score"]["earned"] for s in graded), 2) if graded else None,
        "status_counts": {st: sum(1 for s in students if s["status"] == st) for st in ("pass", "fail", "error")},
        "histogram": _histogram(percents),
        "items": item_stats,
        "hardest": [s["id"] for s in hardest],
        "needs_person": needs_person,
    }
