"""Hostile strings in every student-controlled field, end to end through real grading: object keys,
bucket names (within S3's naming rules), an endpoint name, notebook outputs, roster ids, names and
emails reach the reports of `grader batch`, `grader check` and `grader report` (the `class_run`
fixture), and every output format stays inert and well formed.

Independent readers: html.parser for HTML (and markdown-it's HTML for Markdown), xml.etree for
JUnit, the csv module, json. (tests/reports/test_hostile.py does the same on hand-made report
dicts; here the strings come from a moto account and notebooks through the checks.)
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest

from tests.html_parse import Collected, parse_html
from tests.reliability.conftest import HOSTILE_ENDPOINT, HOSTILE_KEY, HOSTILE_PUBLIC_KEY

ACTIVE_TAGS = {"script", "img", "svg", "iframe", "object", "embed", "form", "input", "link", "base", "math",
               "video", "audio", "source"}
FORMULA = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^-?\d+(\.\d+)?(e-?\d+)?$")


def assert_inert_html(text: str, allowed_active: set[str] = frozenset()) -> Collected:
    parsed = parse_html(text)
    active = set(parsed.tags) & ACTIVE_TAGS - allowed_active
    assert not active, active
    assert parsed.tags.count("style") <= 1  # the template's own stylesheet
    assert not [n for n, _ in parsed.attrs if n.lower().startswith("on")]
    for name, value in parsed.attrs:
        if name in ("href", "src", "action", "formaction", "xlink:href") and value:
            assert not value.strip().lower().startswith(("javascript:", "data:", "vbscript:")), value
    return parsed


def strings(value) -> list[str]:
    """Every string inside a JSON value (keys and values)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def student_folders(run):
    folders = sorted(p for p in (run.out / "students").iterdir() if p.is_dir())
    folders += [run.check_out] + sorted(p for p in run.rerender_out.iterdir() if p.is_dir())
    return folders


def hostile_folders(run):
    return [f for f in student_folders(run)
            if json.loads((f / "report.json").read_text(encoding="utf-8"))["student"]["id"] == run.ids["hostile"]]


def test_the_hostile_strings_reach_the_reports(class_run):
    """Not vacuous: the hostile names went through the checks into the evidence and messages."""
    folders = hostile_folders(class_run)
    assert len(folders) == 3  # batch, check, report
    for folder in folders:
        data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        items = {i["id"]: i for i in data["items"]}
        text = json.dumps(data, ensure_ascii=False)
        assert HOSTILE_KEY in strings(items["s3-private-object"]["evidence"])
        assert HOSTILE_PUBLIC_KEY in strings(items["s3-public-object"]["evidence"])
        assert HOSTILE_ENDPOINT in strings(items["cleanup-endpoints"])
        assert items["cleanup-endpoints"]["status"] == "fail"
        assert "<img src=x onerror=alert('ename')>" in strings(items["nb-rainfall-executed"])
        assert data["student"]["id"] == class_run.ids["hostile"] and "<script>" in text


@pytest.mark.parametrize("fmt", ["html", "md", "junit", "csv", "json", "gradescope"])
def test_every_student_file_is_inert_and_well_formed(class_run, fmt):
    from markdown_it import MarkdownIt

    folders = student_folders(class_run)
    assert len(folders) >= 9
    for folder in folders:
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        hostile = report["student"]["id"] == class_run.ids["hostile"]
        if fmt == "html":
            text = (folder / "report.html").read_text(encoding="utf-8")
            parsed = assert_inert_html(text)
            if hostile:  # shown as text, not dropped
                shown = "".join(parsed.text)
                assert "<script>alert('id')</script>" in shown and "alert('key')" in shown
        elif fmt == "md":
            text = (folder / "report.md").read_text(encoding="utf-8")
            html = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
            assert_inert_html(html)
            for line in text.splitlines():
                if line.startswith("| "):
                    assert len(re.findall(r"(?<!\\)\|", line)) == 5, line  # no extra table column
        elif fmt == "junit":
            root = ET.fromstring((folder / "report.junit.xml").read_bytes())
            assert root.tag == "testsuites"
            assert len(list(root.iter("testcase"))) == len(report["items"])
            if hostile:
                assert "alert('key')" in ET.tostring(root, encoding="unicode").replace("&lt;", "<")
        elif fmt == "csv":
            assert_csv_safe((folder / "report.csv").read_text(encoding="utf-8"))
        elif fmt == "json":
            text = (folder / "report.json").read_text(encoding="utf-8")
            assert "NaN" not in text and "Infinity" not in text
            assert json.loads(json.dumps(report)) == report
        else:
            data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
            assert len(data["tests"]) == len(report["items"])


def assert_csv_safe(text: str) -> None:
    rows = list(csv.reader(io.StringIO(text)))
    assert len({len(r) for r in rows}) == 1, "ragged CSV"
    for row in rows[1:]:
        for cell in row:
            if cell and not NUMBER.match(cell):
                assert not cell.startswith(FORMULA), cell[:60]


def test_class_files_are_inert_and_well_formed(class_run):
    html = (class_run.out / "index.html").read_text(encoding="utf-8")
    parsed = assert_inert_html(html, allowed_active={"svg"})
    assert parsed.tags.count("svg") <= 1  # the chart, nothing a student wrote
    assert "<script>alert('id')" in "".join(parsed.text)  # shown (shortened) as text
    text = (class_run.out / "grades.csv").read_text(encoding="utf-8")
    assert_csv_safe(text)
    ids = [row["student_id"].lstrip("'") for row in csv.DictReader(io.StringIO(text))]
    assert len(ids) == 4 and any("alert('id')" in i for i in ids)
    data = json.loads((class_run.out / "class.json").read_text(encoding="utf-8"))
    assert [s["student"]["id"] for s in data["students"]] == list(class_run.ids.values())
    assert json.loads(json.dumps(data)) == data


def test_console_output_has_no_control_sequences_from_students(class_run):
    """What the commands printed: the students' ANSI escapes and bidi overrides do not reach a
    TA's terminal raw."""
    assert "\x1b[31m" not in class_run.console
    assert "Traceback" not in class_run.console
