"""report.html: one self-contained page per student (Jinja2, autoescape on)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from reports import STUDENT_FORMATS, register

_env = Environment(loader=PackageLoader("reports", "templates"), autoescape=select_autoescape(default=True))


@register(STUDENT_FORMATS, "html", "report.html")
def render(report: dict[str, Any]) -> str:
    return _env.get_template("student.html.j2").render(r=report)
