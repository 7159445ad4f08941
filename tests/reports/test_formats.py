"""Every format renders every status, empty evidence and an ungraded student; the registry,
the writers, each format's contract (CSV columns, JUnit mapping, Gradescope shape) and the
class data built from student reports."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from grader.classreport import SCHEMA, build_class_report
from grader.errors import InputError
from grader.models import StudentReport
from reports import CLASS_FORMATS, STUDENT_FORMATS, parse_formats, write_class, write_student
from reports.view import STATUS_ORDER, csv_number, csv_text, evidence_tree, md_text, num, visible_text
from tests.html_parse import parse_html
from tests.reports.conftest import (
    GENERATED,
    RUBRIC,
    error_report,
    passing_report,
    sample_items,
    sample_report,
)

ALL = ["json", "html", "csv", "junit", "md", "gradescope"]


def one_of_each(evidence=None) -> dict:
    """A report with one item per status, each with the given evidence."""
    items = []
    for status in STATUS_ORDER:
        possible = 0.0 if status in ("skip", "manual") else 4.0
        earned = {"pass": 4.0, "warn": 4.0, "partial": 2.0}.get(status, 0.0)
        items.append({
            "id": f"item-{status}", "title": f"Item that is {status}", "category": "S3", "status": status,
            "points": {"earned": earned, "possible": possible}, "message": f"This one is {status}.",
            "evidence": {} if evidence is None else evidence,
            "remediation": None if status == "pass" else f"Fix the {status} one.", "duration_ms": 1,
        })
    return sample_report(items=items, score={"earned": 10.0, "possible": 20.0, "percent": 50.0})


# --- the registry ----------------------------------------------------------------------------


def test_registry_knows_every_interface_format():
    assert parse_formats("json,html,csv,junit,md,gradescope") == ALL
    assert set(ALL) <= set(STUDENT_FORMATS)
    assert {"html", "json", "csv"} <= set(CLASS_FORMATS)
    assert {STUDENT_FORMATS[f].filename for f in ALL} == {
        "report.json", "report.html", "report.csv", "report.junit.xml", "report.md", "results.json"}


def test_parse_formats_defaults_dedupes_and_rejects_unknown():
    assert parse_formats(None) == ["json", "html"]
    assert parse_formats(" HTML , md,html ") == ["html", "md"]
    with pytest.raises(InputError, match=r"--format: unknown format pdf \(known: .*gradescope"):
        parse_formats("json,pdf")
    with pytest.raises(InputError, match="unknown format"):
        parse_formats(",")


def test_write_student_writes_each_format(tmp_path):
    written = write_student(sample_report(), tmp_path / "s01", ALL)
    assert [p.name for p in written] == [STUDENT_FORMATS[f].filename for f in ALL]
    assert all(p.stat().st_size > 0 for p in written)
    assert not [p for p in (tmp_path / "s01").iterdir() if p.name.endswith(".tmp")]


def test_write_class_always_writes_the_interface_files(tmp_path):
    data = build_class_report(RUBRIC, [sample_report(), error_report()])
    written = write_class(data, tmp_path, ["md", "junit"])
    assert sorted(p.name for p in written) == ["class.json", "grades.csv", "index.html"]


# --- every status, empty evidence, every format -----------------------------------------------


@pytest.mark.parametrize("fmt", ALL)
@pytest.mark.parametrize("evidence", [None, {"nested": {"a": [1, {"b": None}], "empty": []}}], ids=["empty", "nested"])
def test_every_format_renders_every_status(fmt, evidence):
    text = STUDENT_FORMATS[fmt].render(one_of_each(evidence))
    assert text.strip()
    for status in STATUS_ORDER:
        assert f"item-{status}" in text or f"Item that is {status}" in text


@pytest.mark.parametrize("fmt", ALL)
def test_every_format_renders_an_ungraded_student(fmt):
    text = STUDENT_FORMATS[fmt].render(error_report())
    assert "s02" in text
    assert "credentials rejected" in text


@pytest.mark.parametrize("fmt", ALL)
def test_every_format_survives_a_minimal_or_odd_report(fmt):
    odd = sample_report(items=[{"id": "x", "status": "bogus", "points": {}, "evidence": ["a", {"b": 1}]}],
                        stats={"duration_ms": "soon"}, score={"earned": None, "possible": 1, "percent": "x"})
    assert STUDENT_FORMATS[fmt].render(odd)


def test_html_shows_status_words_symbols_and_collapses_passing_evidence():
    html = STUDENT_FORMATS["html"].render(one_of_each({"bucket": "sm-models-ada"}))
    for word in ("PASS", "WARN", "PARTIAL", "FAIL", "ERROR", "SKIPPED", "MANUAL"):
        assert f"</span> {word}</span>" in html
    assert html.count("<details open>") == 4  # warn, partial, fail, error
    assert html.count("<details>") == 3  # pass, skip, manual stay collapsed
    assert "What to fix first" in html
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")


def test_html_fix_first_orders_by_points_at_stake():
    html = STUDENT_FORMATS["html"].render(sample_report())
    fix = html[html.index("What to fix first"):html.index('class="legend"')]
    order = [fix.index(t) for t in ("S3 public object", "Cleanup endpoints", "Sagemaker credit training",
                                    "The administrator is in", "Nb rainfall metrics", "Iam admin programmatic")]
    assert order == sorted(order)
    assert "9 points at stake" in fix and "advice: no points lost" in fix


def test_html_error_report_says_why_and_shows_no_items():
    html = STUDENT_FORMATS["html"].render(error_report())
    assert "This student could not be graded" in html
    assert "credentials rejected" in html
    assert 'class="item ' not in html


def test_html_synthetic_banner_only_when_synthetic():
    assert "SYNTHETIC REPORT" in STUDENT_FORMATS["html"].render(sample_report(synthetic=True))
    assert "SYNTHETIC" not in STUDENT_FORMATS["html"].render(sample_report(synthetic=False))
    assert "SYNTHETIC" in STUDENT_FORMATS["md"].render(sample_report(synthetic=True))


def test_html_is_self_contained():
    for html in (STUDENT_FORMATS["html"].render(sample_report()),
                 CLASS_FORMATS["html"].render(build_class_report(RUBRIC, [sample_report(), error_report()]))):
        tags = parse_html(html).tags
        assert "script" not in tags and "link" not in tags and "img" not in tags and "iframe" not in tags
        assert "@import" not in html and "url(" not in html
        assert "Content-Security-Policy" in html
        assert "@media print" in html


def test_evidence_tree_shapes():
    tree = evidence_tree({"objs": [{"key": "a", "size": 1}, {"key": "b"}], "tags": ["x", "y"], "n": None,
                          "deep": {"a": {"b": {"c": {"d": {"e": {"f": {"g": 1}}}}}}}, "empty": {}})
    kinds = {label: node.kind for label, node in tree.entries}
    assert kinds == {"objs": "table", "tags": "list", "n": "text", "deep": "map", "empty": "empty"}
    table = tree.entries[0][1]
    assert table.columns == ["key", "size"] and table.rows[1][1].type == "null"
    long = evidence_tree(["x"] * 500)
    assert len(long.children) == 200 and long.more == 300


# --- CSV ---------------------------------------------------------------------------------------


def test_csv_columns_follow_the_interface():
    rows = list(csv.reader(io.StringIO(STUDENT_FORMATS["csv"].render(sample_report()))))
    assert rows[0][:6] == ["student_id", "name", "earned", "possible", "percent", "status"]
    assert rows[0][6:9] == ["complete", "needs_review", "review"]
    assert rows[0][9:-1] == [i["id"] for i in sample_items()] and rows[0][-1] == "message"
    assert rows[1][:6] == ["s01", "Ada Lovelace", "60", "86", "69.8", "fail"]
    assert rows[1][rows[0].index("iam-admin-group-policy")] == "2.5"


def test_csv_neutralises_formulas_but_keeps_numbers():
    assert csv_text("=1+1") == "'=1+1"
    assert csv_text("  @SUM(A1)") == "'  @SUM(A1)"
    assert csv_text("\tx") == "'\tx"
    assert csv_text("\r=1") == "'[U+000D]=1"
    assert csv_text("-x") == "'-x"
    assert csv_text("Ada") == "Ada"
    assert csv_number(-2.5) == "-2.5" and csv_number(3) == "3" and csv_number(True) == "True"
    assert csv_number("-2+3") == "'-2+3"


def test_class_csv_has_a_row_per_student_and_blank_scores_for_ungraded():
    data = build_class_report(RUBRIC, [sample_report(), error_report(), passing_report()])
    rows = list(csv.DictReader(io.StringIO(CLASS_FORMATS["csv"].render(data))))
    assert [r["student_id"] for r in rows] == ["s01", "s02", "s03"]
    assert rows[1]["status"] == "error" and rows[1]["earned"] == "" and rows[1]["percent"] == ""
    assert rows[1]["message"].startswith("credentials rejected")
    assert rows[2]["percent"] == "100" and rows[2]["s3-public-object"] == "9"


# --- JUnit, Gradescope, Markdown, JSON ----------------------------------------------------------


def test_junit_maps_statuses():
    root = ET.fromstring(STUDENT_FORMATS["junit"].render(one_of_each()))
    suite = root.find("testsuite")
    assert suite.get("tests") == "7" and suite.get("failures") == "2"
    assert suite.get("errors") == "1" and suite.get("skipped") == "2"
    by_id = {c.get("name").split(":")[0]: c for c in suite.iter("testcase")}
    assert by_id["item-fail"].find("failure").get("type") == "fail"
    assert by_id["item-partial"].find("failure").get("type") == "partial"
    assert by_id["item-error"].find("error") is not None
    assert by_id["item-skip"].find("skipped") is not None and by_id["item-manual"].find("skipped") is not None
    assert list(by_id["item-pass"]) == [by_id["item-pass"].find("system-out")]
    assert by_id["item-warn"].find("failure") is None


def test_junit_ungraded_is_one_error():
    suite = ET.fromstring(STUDENT_FORMATS["junit"].render(error_report())).find("testsuite")
    assert suite.get("errors") == "1" and [c.get("name") for c in suite.iter("testcase")] == ["grading"]


def test_gradescope_shape():
    data = json.loads(STUDENT_FORMATS["gradescope"].render(one_of_each()))
    assert data["score"] == 10.0 and len(data["tests"]) == 7
    for test in data["tests"]:
        assert {"name", "score", "max_score", "output"} <= set(test)
        assert test["output_format"] == "text"
    statuses = {t["name"].split("(")[-1].rstrip(")"): t.get("status") for t in data["tests"]}
    assert statuses == {"item-pass": "passed", "item-warn": "passed", "item-partial": "failed",
                        "item-fail": "failed", "item-error": "failed", "item-skip": None, "item-manual": None}
    ungraded = json.loads(STUDENT_FORMATS["gradescope"].render(error_report()))
    assert ungraded["score"] == 0.0 and ungraded["tests"][0]["status"] == "failed"


def test_markdown_summary():
    md = STUDENT_FORMATS["md"].render(sample_report())
    assert "**Score: 60 / 86 points (69.8%)**" in md
    assert md.index("S3 public object") < md.index("Cleanup endpoints")
    table = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(table) == 1 + len(sample_items())


def test_json_is_the_report_and_validates():
    report = sample_report()
    text = STUDENT_FORMATS["json"].render(report)
    assert json.loads(text) == report
    StudentReport.model_validate(json.loads(text))


def test_text_helpers():
    assert num(8.0) == "8" and num(2.5) == "2.5" and num(66.666) == "66.67" and num(1234567.5) == "1234567.5"
    assert visible_text("a\x00b\x1b[31mred\x1b[0m\u202e\x7f") == "a[U+0000]bred[U+202E][U+007F]"
    assert visible_text("line1\r\nline2\ttab") == "line1\nline2\ttab"
    assert md_text("a|b <i> [x](y) *z* @me #1\nnext") == "a\\|b &lt;i&gt; \\[x\\](y) \\*z\\* \\@me \\#1 next"


# --- class data ----------------------------------------------------------------------------------


def test_class_report_shape_and_stats():
    data = build_class_report(RUBRIC, [sample_report(), error_report(), passing_report()], generated_at=GENERATED)
    assert data["schema"] == SCHEMA
    assert [i["id"] for i in data["rubric"]["items"]] == [i["id"] for i in sample_items()]
    assert data["synthetic"] is True
    stats = data["stats"]
    assert (stats["count"], stats["graded"], stats["errors"], stats["passing"]) == (3, 2, 1, 1)
    assert stats["mean"] == round((69.8 + 100) / 2, 1) and stats["median"] == stats["mean"]
    assert stats["status_counts"] == {"pass": 1, "fail": 1, "error": 1}
    assert sum(b["count"] for b in stats["histogram"]) == 2 and stats["histogram"][-1]["count"] == 1
    by_id = {s["id"]: s for s in stats["items"]}
    assert by_id["s3-public-object"]["counts"]["fail"] == 1 and by_id["s3-public-object"]["counts"]["pass"] == 1
    assert by_id["s3-public-object"]["not_passing"] == 0.5
    assert by_id["nb-credit-workflow"]["not_passing"] is None
    assert stats["hardest"][0] == "s3-public-object" and stats["hardest"][-1] in {
        "iam-billing-access", "nb-credit-executed", "nb-credit-accuracy", "nb-credit-workflow", "nb-evidence-link"}
    assert [p["student"] for p in stats["needs_person"]] == ["s02", "s01"]
    assert stats["needs_person"][1]["items"] == ["sagemaker-credit-training"]
    ungraded = data["students"][1]
    assert ungraded["status"] == "error" and ungraded["message"].startswith("credentials rejected")
    assert data["students"][0]["report"] == "students/s01/report.html"
    assert set(data["students"][0]["items"][0]) == {"id", "status", "points"}


def test_class_item_order_from_rubric_info_or_students():
    reports = [sample_report()]
    assert [i["id"] for i in build_class_report({**RUBRIC, "item_ids": ["s3-public-object", "new-item"]},
                                                reports)["rubric"]["items"]] == ["s3-public-object", "new-item"]
    items = build_class_report({**RUBRIC, "items": [{"id": "cleanup-endpoints", "points": 10}]}, reports)
    assert items["rubric"]["items"] == [{"id": "cleanup-endpoints", "title": "Cleanup endpoints",
                                         "category": "Clean-up", "points": 10.0}]


def test_class_report_of_nobody():
    data = build_class_report(RUBRIC, [])
    assert data["stats"]["count"] == 0 and data["stats"]["mean"] is None
    for renderer in CLASS_FORMATS.values():
        assert renderer.render(data)


def test_class_report_of_only_ungraded_students():
    data = build_class_report(RUBRIC, [error_report(), error_report(student={"id": "s09"})])
    assert data["stats"]["graded"] == 0 and len(data["stats"]["needs_person"]) == 2
    assert "Not graded" in CLASS_FORMATS["html"].render(data)


def test_class_html_links_to_safe_student_folders():
    odd = sample_report(student={"id": "../../etc/x y", "name": None, "email": None, "account_id": None})
    data = build_class_report(RUBRIC, [odd])
    data["students"][0]["report"] = "javascript:alert(1)"  # a tampered class.json
    html = CLASS_FORMATS["html"].render(data)
    assert 'href="students/etc_x_y/report.html"' in html
    assert "javascript:" not in html
