"""Hostile strings in every student-controlled field, in every format.

Each check is made by an independent reader: HTML by html.parser (and the Markdown through
markdown-it into HTML), XML by xml.etree, CSV by the csv module, JSON by json.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest

from grader.classreport import build_class_report
from reports import CLASS_FORMATS, STUDENT_FORMATS
from tests.html_parse import Collected, parse_html
from tests.reports.conftest import HOSTILE, IMG, RUBRIC, SCRIPT, error_report, hostile_report

IDS = [f"p{n}" for n in range(len(HOSTILE))]
STUDENT_TAGS = {"html", "head", "meta", "title", "style", "body", "div", "main", "header", "span", "h1", "h2",
                "h3", "b", "small", "p", "section", "ol", "li", "a", "article", "details", "summary", "dl", "dt",
                "dd", "pre", "table", "thead", "tbody", "tr", "th", "td", "ul", "code", "footer"}
CLASS_TAGS = STUDENT_TAGS | {"svg", "line", "rect", "text", "figure", "figcaption", "br"}
FORMULA = ("=", "+", "-", "@", "\t", "\r")
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def assert_no_injection(html: str, allowed: set[str]) -> Collected:
    parsed = parse_html(html)
    assert set(parsed.tags) <= allowed, set(parsed.tags) - allowed
    assert not [name for name, _ in parsed.attrs if name.startswith("on")]
    assert not [v for name, v in parsed.attrs if name in ("href", "src") and v and not
                (v.startswith("#") or v.startswith("students/"))]
    return parsed


def student_classes():
    return [hostile_report(p) for p in HOSTILE] + [error_report(message=p, student={"id": p, "name": p}) for p in HOSTILE]


@pytest.mark.parametrize("payload", HOSTILE, ids=IDS)
def test_student_html_escapes_everything(payload):
    html = STUDENT_FORMATS["html"].render(hostile_report(payload))
    parsed = assert_no_injection(html, STUDENT_TAGS)
    assert parsed.tags.count("script") == 0 and parsed.tags.count("meta") == 4
    if payload in (SCRIPT, IMG):
        assert payload in "".join(parsed.text)  # shown as text, not dropped
    html_error = STUDENT_FORMATS["html"].render(error_report(message=payload, student={"id": payload, "name": payload}))
    assert_no_injection(html_error, STUDENT_TAGS)


@pytest.mark.parametrize("payload", HOSTILE, ids=IDS)
def test_no_hidden_or_reordering_characters_reach_any_text_format(payload):
    report = hostile_report(payload)
    for fmt in ("html", "md", "csv", "junit", "gradescope"):
        text = STUDENT_FORMATS[fmt].render(report)
        text.encode("utf-8")  # a lone surrogate would fail here
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\u200b]", text), fmt


def test_class_html_escapes_everything():
    data = build_class_report(RUBRIC, student_classes())
    html = CLASS_FORMATS["html"].render(data)
    parsed = assert_no_injection(html, CLASS_TAGS)
    assert parsed.tags.count("svg") == 1  # the chart, nothing a student wrote
    assert "<script" not in html.lower().replace("&lt;script", "")


@pytest.mark.parametrize("payload", HOSTILE, ids=IDS)
def test_markdown_escapes_everything(payload):
    from markdown_it import MarkdownIt

    md = STUDENT_FORMATS["md"].render(hostile_report(payload))
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough").render(md)
    parsed = parse_html(rendered)
    # `code` spans stay code spans (issue 16): inert text, like the HTML report's <code>
    assert set(parsed.tags) <= {"h2", "h3", "p", "strong", "em", "ol", "li", "table", "thead", "tbody", "tr", "th",
                                "td", "blockquote", "code"}, set(parsed.tags)
    assert parsed.tags.count("a") == 0 and "img" not in parsed.tags
    for line in md.splitlines():
        if line.startswith("| "):
            assert len(re.findall(r"(?<!\\)\|", line)) == 5, line  # a payload never adds a column
    assert "[link](" not in md and "@team" not in md.replace("\\@team", "")
    error_md = STUDENT_FORMATS["md"].render(error_report(message=payload, student={"id": payload, "name": payload}))
    assert "<" not in error_md


@pytest.mark.parametrize("payload", HOSTILE, ids=IDS)
def test_junit_is_well_formed(payload):
    for report in (hostile_report(payload), error_report(message=payload, student={"id": payload, "name": payload})):
        xml = STUDENT_FORMATS["junit"].render(report)
        assert not XML_ILLEGAL.search(xml)
        root = ET.fromstring(xml.encode("utf-8"))
        assert root.tag == "testsuites"
        assert len(list(root.iter("testcase"))) == max(len(report["items"]), 1)
        if payload in (SCRIPT, "]]><![CDATA[<x>"):
            assert payload in ET.tostring(root, encoding="unicode").replace("&lt;", "<").replace("&gt;", ">") or \
                any(payload in (p.get("value") or "") for p in root.iter("property"))


def _assert_csv_safe(text: str):
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    numeric = {"earned", "possible", "percent"} | set(header[9:-1])  # items follow complete,needs_review,review
    for row in rows[1:]:
        assert len(row) == len(header)
        for name, cell in zip(header, row, strict=True):
            if name in numeric and cell:
                float(cell)  # numbers stay numbers
            else:
                assert not cell.startswith(FORMULA), (name, cell[:40])


@pytest.mark.parametrize("payload", HOSTILE, ids=IDS)
def test_csv_cannot_become_a_formula(payload):
    _assert_csv_safe(STUDENT_FORMATS["csv"].render(hostile_report(payload)))
    _assert_csv_safe(STUDENT_FORMATS["csv"].render(error_report(message=payload, student={"id": payload, "name": payload})))


def test_class_csv_cannot_become_a_formula():
    _assert_csv_safe(CLASS_FORMATS["csv"].render(build_class_report(RUBRIC, student_classes())))


def test_negative_numbers_stay_numbers():
    report = hostile_report("x")
    report["score"] = {"earned": -2.0, "possible": 10.0, "percent": -20.0}
    rows = list(csv.DictReader(io.StringIO(STUDENT_FORMATS["csv"].render(report))))
    assert rows[0]["earned"] == "-2" and rows[0]["percent"] == "-20"


@pytest.mark.parametrize("payload", HOSTILE, ids=IDS)
def test_json_formats_round_trip(payload):
    report = hostile_report(payload)
    for fmt in ("json", "gradescope"):
        text = STUDENT_FORMATS[fmt].render(report)
        text.encode("utf-8")
        data = json.loads(text)
        if fmt == "json":
            assert data == report
    class_text = CLASS_FORMATS["json"].render(build_class_report(RUBRIC, [report]))
    assert json.loads(class_text)["students"][0]["student"]["id"] == payload
