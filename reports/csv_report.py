"""CSV gradebooks: report.csv (one student) and grades.csv (the class).

Columns (the interface): ``student_id,name,earned,possible,percent,status``, then
``complete`` (``false`` when an input was missing, e.g. no notebooks, so some items were
``skip``), ``needs_review`` (``true``/``false``) and ``review`` (the open flags' kinds,
``;``-separated), then one column per rubric item id holding that item's earned points, then
``message`` (why a student could not be graded; empty otherwise). A student who could not be
graded has empty ``earned``, ``percent`` and item cells: no score, rather than a zero that looks
like one; likewise a ``skip`` or ``manual`` item's cell is empty, not 0 (nothing was assessed).

Spreadsheet safety: every text cell (ids, names, messages, even item ids) that a spreadsheet
could read as a formula (``= + - @``, tab or CR first) gets a leading ``'``; numeric cells hold
numbers the grader computed, so a negative number stays a number.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from reports import CLASS_FORMATS, STUDENT_FORMATS, register
from reports.view import csv_number, csv_text

HEADER = ["student_id", "name", "earned", "possible", "percent", "status", "complete", "needs_review", "review"]
NOT_ASSESSED = ("skip", "manual")


def header(item_ids: list[str]) -> list[str]:
    return [*HEADER, *(csv_text(i) for i in item_ids), "message"]


def row(entry: dict[str, Any], item_ids: list[str]) -> list[Any]:
    """One gradebook row of a report.json dict or a class.json student entry."""
    student = entry.get("student") or {}
    score = entry.get("score") or {}
    graded = entry.get("status") != "error"
    earned = {str(i.get("id")): (i.get("points") or {}).get("earned") for i in entry.get("items") or []
              if i.get("status") not in NOT_ASSESSED}
    flags = [f for f in entry.get("review") or [] if isinstance(f, dict) and not f.get("resolved")]
    complete = graded and not entry.get("incomplete")
    return [
        csv_text(student.get("id")),
        csv_text(student.get("name")),
        csv_number(score.get("earned")) if graded else "",
        csv_number(score.get("possible")),
        csv_number(score.get("percent")) if graded else "",
        csv_text(entry.get("status")),
        "true" if complete else "false",
        "true" if flags else "false",
        csv_text(";".join(dict.fromkeys(str(f.get("kind")) for f in flags))),
        *(csv_number(earned.get(i)) if graded and i in earned else "" for i in item_ids),
        csv_text(entry.get("message") if not graded else ""),
    ]


def table(rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerows(rows)
    return buf.getvalue()


@register(STUDENT_FORMATS, "csv", "report.csv")
def render(report: dict[str, Any]) -> str:
    item_ids = [str(i.get("id")) for i in report.get("items") or []]
    return table([header(item_ids), row(report, item_ids)])


@register(CLASS_FORMATS, "csv", "grades.csv")
def render_class(class_dict: dict[str, Any]) -> str:
    item_ids = [str(i.get("id")) for i in (class_dict.get("rubric") or {}).get("items") or []]
    return table([header(item_ids), *(row(s, item_ids) for s in class_dict.get("students") or [])])
