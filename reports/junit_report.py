"""JUnit XML: report.junit.xml, one test case per rubric item (for CI and GitHub Classroom).

``pass``/``warn`` pass (the details, a warning's advice too, go to system-out); ``fail``/``partial`` are
failures; ``error`` is an error; ``skip``/``manual`` are skipped. A student who could not be
graded gets one test case ``grading`` with an error saying why. The XML library escapes markup;
`view.xml_text` removes the characters XML 1.0 forbids (control characters become visible
marks), so the file always parses.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from reports import STUDENT_FORMATS, register
from reports.view import item_notes, look, num, open_flags, points, xml_text


def _seconds(ms: Any) -> str:
    return f"{ms / 1000:.3f}" if isinstance(ms, int | float) and not isinstance(ms, bool) and ms >= 0 else "0.000"


def _el(parent: ET.Element, tag: str, text: Any = None, **attrs: Any) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = xml_text(text)
    return el


def _details(item: dict[str, Any]) -> str:
    earned, possible = points(item)
    lines = [
        f"{look(item.get('status')).label}: {item.get('message') or ''}",
        f"Points: {num(earned)} / {num(possible)}",
    ]
    lines += item_notes(item)
    if item.get("remediation"):
        lines.append(f"How to fix: {item['remediation']}")
    if item.get("evidence"):
        lines.append("Evidence: " + json.dumps(item["evidence"], indent=2, ensure_ascii=False, default=str))
    return "\n".join(lines)


@register(STUDENT_FORMATS, "junit", "report.junit.xml")
def render(report: dict[str, Any]) -> str:
    student = report.get("student") or {}
    rubric = report.get("rubric") or {}
    score = report.get("score") or {}
    items = report.get("items") or []
    suite_name = f"{rubric.get('id') or 'rubric'}: {student.get('id') or 'student'}"
    statuses = [i.get("status") for i in items]
    graded = report.get("status") != "error"
    suites = ET.Element("testsuites", {"name": xml_text(rubric.get("title") or rubric.get("id") or "grader")})
    suite = _el(
        suites, "testsuite", name=suite_name,
        tests=str(len(items) if graded else 1),
        failures=str(sum(s in ("fail", "partial") for s in statuses)),
        errors=str(sum(s == "error" for s in statuses) + (0 if graded else 1)),
        skipped=str(sum(s in ("skip", "manual") for s in statuses)),
        time=_seconds((report.get("stats") or {}).get("duration_ms")),
        timestamp=report.get("generated_at"),
    )
    props = _el(suite, "properties")
    for key, value in [
        ("student_id", student.get("id")), ("student_name", student.get("name")),
        ("account_id", student.get("account_id")), ("rubric", rubric.get("id")),
        ("rubric_version", rubric.get("version")), ("status", report.get("status")),
        ("score_earned", num(score.get("earned"))), ("score_possible", num(score.get("possible"))),
        ("score_percent", num(score.get("percent"))), ("grader_version", report.get("grader_version")),
        ("synthetic", "true" if report.get("synthetic") else None),
        ("needs_review", "true" if open_flags(report) else "false"),
        ("review", ";".join(dict.fromkeys(str(f.get("kind")) for f in open_flags(report))) or None),
    ]:
        if value is not None:
            _el(props, "property", name=key, value=value)
    if not graded:
        case = _el(suite, "testcase", classname=rubric.get("id") or "grader", name="grading", time="0.000")
        _el(case, "error", report.get("message") or "could not be graded", message=report.get("message") or
            "could not be graded", type="not-graded")
    for item in items:
        status = item.get("status")
        earned, possible = points(item)
        case = _el(
            suite, "testcase",
            classname=f"{rubric.get('id') or 'rubric'}.{item.get('category') or 'Other'}",
            name=f"{item.get('id')}: {item.get('title') or ''}".rstrip(": "),
        )  # no per-item time: students see this file; report.json keeps each item's duration_ms
        message = f"{item.get('message') or ''} ({num(earned)}/{num(possible)} points)"
        if status in ("fail", "partial"):
            _el(case, "failure", _details(item), message=message, type=status)
        elif status == "error":
            _el(case, "error", _details(item), message=message, type="could-not-check")
        else:
            if status in ("skip", "manual"):
                _el(case, "skipped", message=f"{look(status).label}: {item.get('message') or ''}")
            _el(case, "system-out", _details(item))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
