"""JSON: report.json (schema grader.student-report/1) and class.json (grader.class-report/1).

The data as it is, pretty-printed. Non-ASCII text stays readable; a string the report cannot
hold as UTF-8 (a lone surrogate read from a hostile JSON file) makes the whole file fall back
to ASCII escapes instead of failing.
"""

from __future__ import annotations

import json
import math
from typing import Any

from reports import CLASS_FORMATS, STUDENT_FORMATS, register


def _finite(value: Any) -> Any:
    """The data with NaN and infinities as null: JSON has no such numbers (json.dumps would
    write `NaN`, which no strict JSON reader accepts)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def dump(data: dict[str, Any]) -> str:
    try:
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str, allow_nan=False) + "\n"
    except ValueError:
        data = _finite(data)
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
