"""Renderers against saved expected output for fixed reports (tests/reports/expected/).

After an intended change of a template, regenerate with
``GRADER_UPDATE_GOLDEN=1 python -m pytest tests/reports/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.classreport import build_class_report
from reports import CLASS_FORMATS, STUDENT_FORMATS, parse_formats
from tests.reports.conftest import GENERATED, RUBRIC, error_report, passing_report, sample_report

EXPECTED = Path(__file__).parent / "expected"
ALL = parse_formats("json,html,csv,junit,md,gradescope")


def _check(name: str, text: str) -> None:
    path = EXPECTED / name
    if os.environ.get("GRADER_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    assert path.exists(), f"no expected output {path}: run with GRADER_UPDATE_GOLDEN=1 and review it"
    with path.open(encoding="utf-8", newline="") as fh:
        expected = fh.read()
    assert text == expected, f"{name} differs from {path} (regenerate with GRADER_UPDATE_GOLDEN=1 if intended)"


def golden_class() -> dict:
    data = build_class_report(RUBRIC, [sample_report(), error_report(), passing_report()], generated_at=GENERATED)
    data["grader_version"] = "0.1.0"  # independent of the package version
    return data


@pytest.mark.parametrize("fmt", ALL)
@pytest.mark.parametrize(("who", "make"), [("graded", sample_report), ("error", error_report)])
def test_student_formats_match_expected(fmt, who, make):
    renderer = STUDENT_FORMATS[fmt]
    _check(f"{who}/{renderer.filename}", renderer.render(make()))


@pytest.mark.parametrize("fmt", sorted(CLASS_FORMATS))
def test_class_formats_match_expected(fmt):
    renderer = CLASS_FORMATS[fmt]
    _check(f"class/{renderer.filename}", renderer.render(golden_class()))


def test_rendering_is_deterministic():
    for fmt in ALL:
        assert STUDENT_FORMATS[fmt].render(sample_report()) == STUDENT_FORMATS[fmt].render(sample_report())
