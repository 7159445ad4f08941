"""Wording and numbers in every format (issue 16): one vocabulary for "not yet passing", inline
code, score points rounded like the percent, counted nouns, what a mean is of, no repeated
evidence table, no per-item timings for students, the notebook file graded among several."""

from __future__ import annotations

import copy
import io
import xml.etree.ElementTree as ET

import pytest

from grader import terminal
from grader.classreport import build_class_report
from grader.terminal import print_student_summary
from reports import CLASS_FORMATS, STUDENT_FORMATS
from tests.html_parse import parse_html
from tests.reports.conftest import RUBRIC, _item, sample_report


def one_item_report(item: dict, **changes) -> dict:
    earned, possible = item["points"]["earned"], item["points"]["possible"]
    report = sample_report(items=[item], status="pass" if item["status"] == "pass" else "fail",
                           score={"earned": earned, "possible": possible,
                                  "percent": round(100 * earned / possible, 1) if possible else 0.0})
    report.update(changes)
    return report


def html(report: dict) -> str:
    return STUDENT_FORMATS["html"].render(report)


def terminal_text(report: dict, audience: str = "ta") -> str:
    buf = io.StringIO()
    print_student_summary(report, [], audience=audience, stream=buf)
    return buf.getvalue()


ADMIN = _item("iam-admin-user", "IAM", "fail", 0, 8, "No IAM user named `administrator` was found.",
              remediation="Lesson step 2: create a user named `administrator`.")


def test_backticks_are_code_in_html_and_code_spans_in_markdown():
    report = one_item_report(copy.deepcopy(ADMIN))
    page = html(report)
    assert "<code>administrator</code>" in page and "`administrator`" not in page
    md = STUDENT_FORMATS["md"].render(report)
    assert "`administrator`" in md and "\\`" not in md


def test_score_points_are_rounded_like_the_percent():
    report = sample_report(score={"earned": 75.36, "possible": 100.0, "percent": 75.4})
    page = html(report)
    assert "75.4<small> / 100 points" in page and "75.36" not in page
    assert "75.4 / 100 points (75.4%)" in STUDENT_FORMATS["md"].render(report)
    assert "Score: 75.4/100 (75.4%)" in terminal_text(report)
    assert "Score: 75.4/100 (75.4%)" in terminal_text(report, "student")


def test_one_of_a_thing_is_singular():
    item = _item("s3-public-object", "S3", "fail", 0, 1, "Not public.", remediation="Make it public.")
    report = one_item_report(item)
    page = " ".join(parse_html(html(report)).text)
    assert "1 item to fix, 1 point at stake" in " ".join(page.split())
    assert "1 points" not in page
    assert "1 point at stake" in STUDENT_FORMATS["md"].render(report)
    klass = CLASS_FORMATS["html"].render(build_class_report(RUBRIC, [sample_report()]))
    assert "1 students" not in " ".join(parse_html(klass).text) and '<div class="l">student</div>' in klass


def test_the_class_view_uses_the_report_vocabulary():
    klass = CLASS_FORMATS["html"].render(build_class_report(RUBRIC, [sample_report(), sample_report(
        student={"id": "s2", "name": "B", "email": None, "account_id": "1"})]))
    summary = klass.split('<table class="data summary">')[1].split("</table>")[0]
    assert "NOT YET PASSING" in summary and "PASSING" in summary and "> FAIL<" not in summary
    assert "NOT YET PASSING" in terminal_text(sample_report()) and "status: fail" not in terminal_text(sample_report())


def test_the_mean_points_say_what_they_are_of():
    a = sample_report()
    b = sample_report(student={"id": "s2", "name": "B", "email": None, "account_id": "1"},
                      score={"earned": 40.0, "possible": 50.0, "percent": 80.0})
    same = CLASS_FORMATS["html"].render(build_class_report(RUBRIC, [a, copy.deepcopy(a)]))
    assert f"mean points earned, of {a['score']['possible']:g} possible" in same
    differ = CLASS_FORMATS["html"].render(build_class_report(RUBRIC, [a, b]))
    assert "totals differ" in differ and f"50–{a['score']['possible']:g} possible" in differ


FIGURES = [{"kind": "accuracy_score", "value": 0.81, "place": "cell 20"},
           {"kind": "classification report", "value": 0.74, "place": "cell 21"},
           {"kind": "confusion matrix", "value": 0.74, "place": "cell 22"}]


def test_the_disagreeing_figures_are_marked_in_one_table():
    ev = {"notebook": "credit-risk-classification.ipynb", "figures": FIGURES, "disagreeing": FIGURES[:1]}
    report = one_item_report(_item("nb-credit-accuracy", "Notebooks", "fail", 0, 6, "Disagree.", evidence=ev))
    page = html(report)
    article = page.split('id="item-nb-credit-accuracy"')[1].split("</article>")[0]
    assert article.count('<table class="ev-table">') == 1
    assert "disagrees" in article and "disagreeing" not in article
    assert STUDENT_FORMATS["json"].render(report).count("disagreeing") == 1  # the data keeps it


def test_no_per_item_timings_for_students_but_json_keeps_them():
    report = sample_report()
    root = ET.fromstring(STUDENT_FORMATS["junit"].render(report).encode())
    assert all("time" not in case.attrib for case in root.iter("testcase"))
    for fmt in ("html", "md", "csv", "gradescope"):
        text = STUDENT_FORMATS[fmt].render(report)
        assert "duration" not in text and " ms" not in text, fmt
    assert '"duration_ms": 12' in STUDENT_FORMATS["json"].render(report)


CHOSEN = {"notebook": "rainfall_forecast.ipynb", "file": "/w/rainfall_forecast.ipynb", "nbformat": "4.5",
          "code_cells": 17, "also_matching": ["/w/rainfall_forecast (1).ipynb", "/w/old/rainfall_forecast.ipynb"]}


@pytest.mark.parametrize("audience", ["ta", "student"])
def test_the_notebook_graded_among_several_is_named_everywhere(audience):
    report = one_item_report(_item("nb-rainfall-executed", "Notebooks", "pass", 4, 4, "Executed.", evidence=CHOSEN))
    for text in (" ".join(" ".join(parse_html(html(report)).text).split()), STUDENT_FORMATS["md"].render(report).replace("\\", ""),
                 " ".join(terminal_text(report, audience).split())):
        assert "graded /w/rainfall_forecast.ipynb" in text
        assert "ignored (also matching)" in text and "rainfall_forecast (1).ipynb" in text


def test_no_color_and_no_color_env_turn_off_bold_too(monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")  # as on a terminal
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[1m" in terminal_text(sample_report(), "student")  # the check can fail
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in terminal_text(sample_report(), "student")
    monkeypatch.delenv("NO_COLOR")
    terminal.configure(color=False)
    try:
        assert "\x1b[" not in terminal_text(sample_report(), "student")
        assert "\x1b[" not in terminal_text(sample_report(), "ta")
    finally:
        terminal.configure()
