"""Gradescope: results.json in the autograder results shape.

``score`` is the report's earned points; one test per item with ``name``, ``number``,
``score``, ``max_score``, ``status`` (``passed``/``failed``; left out for skipped and manual
items, which score 0 of 0), ``output`` (plain text: ``output_format`` "text", so nothing a
student wrote is interpreted as HTML or Markdown), ``tags`` and ``visibility``. A student who
could not be graded gets score 0 and one failed test saying why (a person should look).
"""

from __future__ import annotations

import json
from typing import Any

from reports import STUDENT_FORMATS, register
from reports.json_report import dump
from reports.view import item_notes, look, num, points, visible_text


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _output(item: dict[str, Any]) -> str:
    lines = [f"{look(item.get('status')).label}: {item.get('message') or ''}", *item_notes(item)]
    if item.get("remediation") and item.get("status") != "pass":
        lines.append(f"How to fix: {item['remediation']}")
    if item.get("evidence"):
        lines.append("Evidence: " + json.dumps(item["evidence"], indent=2, ensure_ascii=False, default=str))
    return visible_text("\n".join(lines))


@register(STUDENT_FORMATS, "gradescope", "results.json")
def render(report: dict[str, Any]) -> str:
    score = report.get("score") or {}
    student = report.get("student") or {}
    rubric = report.get("rubric") or {}
    tests = []
    for n, item in enumerate(report.get("items") or [], 1):
        earned, possible = points(item)
        test: dict[str, Any] = {
            "name": visible_text(f"{item.get('title') or item.get('id')} ({item.get('id')})"),
            "number": str(n),
            "score": earned,
            "max_score": possible,
            "output": _output(item),
            "output_format": "text",
            "tags": [visible_text(item.get("category") or "Other")],
            "visibility": "visible",
        }
        if item.get("status") in ("pass", "warn"):
            test["status"] = "passed"
        elif item.get("status") in ("fail", "partial", "error"):
            test["status"] = "failed"
        tests.append(test)
    graded = report.get("status") != "error"
    if not graded:
        tests.append({
            "name": "Grading", "score": 0.0, "max_score": _number(score.get("possible")), "status": "failed",
            "output": visible_text(f"Could not be graded: {report.get('message') or 'no reason recorded'}. "
                                   "A person will look at this."),
            "output_format": "text", "visibility": "visible",
        })
    summary = (f"{rubric.get('title') or rubric.get('id')}: {num(score.get('earned'))} / "
               f"{num(score.get('possible'))} points ({num(score.get('percent'))}%)" if graded else
               f"Not graded: {report.get('message') or 'no reason recorded'}")
    result = {
        "score": _number(score.get("earned")) if graded else 0.0,
        "output": visible_text(summary + (" [SYNTHETIC demo data]" if report.get("synthetic") else "")),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "student_id": visible_text(student.get("id")),
            "rubric": visible_text(rubric.get("id")),
            "status": visible_text(report.get("status")),
            "generated_at": visible_text(report.get("generated_at")),
            "grader_version": visible_text(report.get("grader_version")),
        },
    }
    return dump(result)
