"""Renderers: they only format a finished report.

One interface: a `Renderer` is a name, the file name it writes and a function from a dict to
text. One module per format; each registers its renderers on import:

=============  ========================  ==========================================
format         student file              class file (batch)
=============  ========================  ==========================================
``json``       report.json               class.json
``html``       report.html               index.html
``csv``        report.csv                grades.csv
``junit``      report.junit.xml          -
``md``         report.md                 -
``gradescope`` results.json              -
=============  ========================  ==========================================

Student renderers take one report dict (report.json shape, ``StudentReport.to_dict()``); class
renderers take the class dict (class.json shape, made by `grader.classreport.build_class_report`).

Public API:

- ``load_renderers()``: fill the two tables (the functions below do it themselves).
- ``parse_formats(value, default="json,html") -> list[str]``: a ``--format`` value checked.
- ``write_student(report, out_dir, formats) -> list[Path]``: one student's files.
- ``write_class(class_dict, out_dir, formats=None) -> list[Path]``: the class files.
- ``grader.classreport.build_class_report(rubric_info, student_reports) -> dict``.
- ``reports.rerender.rerender(paths, out, formats) -> list[Path]``: ``grader report``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import InputError
from grader.output import atomic_write


@dataclass(frozen=True)
class Renderer:
    name: str
    filename: str
    render: Callable[[dict[str, Any]], str]


STUDENT_FORMATS: dict[str, Renderer] = {}
CLASS_FORMATS: dict[str, Renderer] = {}

# The class files of the interface: `write_class` always writes these three.
CLASS_REQUIRED = ("html", "json", "csv")

_MODULES = ("json_report", "html_report", "csv_report", "junit_report", "markdown_report", "gradescope_report")


def register(table: dict[str, Renderer], name: str, filename: str):
    """Decorator: add `func(report_dict) -> str` to `table` as format `name` writing `filename`."""

    def deco(func: Callable[[dict[str, Any]], str]):
        table[name] = Renderer(name, filename, func)
        return func

    return deco


def load_renderers() -> None:
    """Import every format module, so that STUDENT_FORMATS and CLASS_FORMATS are complete.

    Called by the functions below; call it yourself before reading the tables directly.
    """
    import importlib

    for module in _MODULES:
        importlib.import_module(f"reports.{module}")


def parse_formats(value: str | None, default: str = "json,html") -> list[str]:
    """The formats of a ``--format`` value (comma-separated, case-insensitive), in order, once.

    Raises InputError naming the unknown ones and listing the known ones.
    """
    load_renderers()
    names = [f.strip().lower() for f in (default if value is None else value).split(",") if f.strip()]
    unknown = [n for n in names if n not in STUDENT_FORMATS]
    if unknown or not names:
        known = ",".join(STUDENT_FORMATS)
        raise InputError(f"--format: unknown format {', '.join(unknown) or '(empty)'} (known: {known})")
    return list(dict.fromkeys(names))


def write_student(report: dict[str, Any], out: Path, formats: list[str]) -> list[Path]:
    """Render one student's `report` (report.json shape) in each format into folder `out`.

    Each file is written atomically; returns the paths written, in the order of `formats`.
    """
    load_renderers()
    written = []
    for name in formats:
        renderer = STUDENT_FORMATS[name]
        path = Path(out) / renderer.filename
        atomic_write(path, renderer.render(report))
        written.append(path)
    return written


def write_class(class_dict: dict[str, Any], out: Path, formats: Iterable[str] | None = None) -> list[Path]:
    """Write the class files of `class_dict` (from `build_class_report`) into folder `out`.

    Always writes the interface's three files: ``index.html``, ``class.json`` and ``grades.csv``
    (batch always writes them, whatever ``--format`` says). `formats` (the run's format list)
    may name further class formats to write; names with no class renderer are ignored. Each
    file is written atomically; returns the paths written.
    """
    load_renderers()
    names = list(dict.fromkeys([*CLASS_REQUIRED, *(formats or [])]))
    written = []
    for name in names:
        renderer = CLASS_FORMATS.get(name)
        if renderer is None:
            continue
        path = Path(out) / renderer.filename
        atomic_write(path, renderer.render(class_dict))
        written.append(path)
    return written
