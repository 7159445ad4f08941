"""JSON: report.json (schema grader.student-report/1) and class.json (grader.class-report/1).

The data as it is, pretty-printed. Non-ASCII text stays readable; a string the report cannot
hold as UTF-8 (a lone surrogate read from a hostile JSON file) makes the whole file fall back
to ASCII escapes instead of failing.
"""

from __future__ import annotations

import json
from typing import Any

from reports import CLASS_FORMATS, STUDENT_FORMATS, register


def dump(data: dict[str, Any]) -> str:
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(data, indent=2, ensure_ascii=True, default=str) + "\n"
    return text


@register(STUDENT_FORMATS, "json", "report.json")
def render(report: dict[str, Any]) -> str:
    return dump(report)


@register(CLASS_FORMATS, "json", "class.json")
def render_class(class_dict: dict[str, Any]) -> str:
    return dump(class_dict)
