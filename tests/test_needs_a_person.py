"""Issue 13 on the default demo class (8 students, built and graded by `grader demo`): who needs a
person and why, the gradebook's review columns, and advice chosen by what went wrong: re-run
rather than edit, run the notebooks first, a live endpoint first with its instance type."""

from __future__ import annotations

import csv
import json
import re

import pytest

from grader.cli import main
from tests.html_parse import parse_html


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "class"
    assert main(["demo", "--out", str(out)]) == 0
    return out


def _text(path) -> str:
    return re.sub(r"\s+", " ", " ".join(parse_html(path.read_text(encoding="utf-8")).text))


def _fix_first(demo, sid: str) -> list[str]:
    """The "What to fix first" entries of a student's report.html, as rendered text."""
    html = (demo / "students" / sid / "report.html").read_text(encoding="utf-8")
    section = html.split('id="fixfirst"', 1)[1].split("</section>", 1)[0]
    return [re.sub(r"\s+", " ", " ".join(parse_html(li).text)).strip() for li in section.split("<li>")[1:]]


def test_needs_a_person_lists_the_edited_output_and_the_absent_buckets_with_reasons(demo):
    klass = json.loads((demo / "class.json").read_text())
    person = {p["student"]: p for p in klass["stats"]["needs_person"]}
    assert set(person) == {"s06", "s08"}
    assert [f["kind"] for f in person["s06"]["flags"]] == ["edited-output"]
    assert person["s06"]["flags"][0]["item"] == "nb-credit-accuracy"
    assert [f["kind"] for f in person["s08"]["flags"]] == ["not-in-account"]
    assert "classmate" in person["s08"]["flags"][0]["reason"]  # the absent bucket, named
    index = _text(demo / "index.html")
    section = index.split("Needs a person", 1)[1].split("Students", 1)[0]
    assert "possibly an edited output" in section and "names not in the graded account" in section
    assert "Every student was graded" not in section
    html = (demo / "index.html").read_text(encoding="utf-8")
    assert 'href="students/s06/report.html#item-nb-credit-accuracy"' in html  # a link to the item


def test_the_gradebook_marks_exactly_the_flagged_students(demo):
    with (demo / "grades.csv").open(encoding="utf-8", newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert {sid: r["needs_review"] for sid, r in rows.items()} == {
        f"s0{i}": ("true" if i in (6, 8) else "false") for i in range(1, 9)}
    assert rows["s06"]["review"] == "edited-output" and rows["s08"]["review"] == "not-in-account"
    assert all(r["complete"] == "true" for r in rows.values())


def test_a_flagged_student_is_never_a_plain_pass_or_fail(demo):
    text = _text(demo / "students" / "s06" / "report.html")
    assert "NEEDS A PERSON" in text and "NOT YET PASSING" not in text.split("What to fix first")[0]


def test_s06_is_told_to_rerun_not_to_one_hot_encode(demo):
    first = _fix_first(demo, "s06")[0]
    assert "Re-run, don't edit" in first and "never edit an output by hand" in first
    assert "one-hot" not in first


def test_the_unexecuted_student_runs_the_notebooks_first(demo):
    entries = _fix_first(demo, "s08")
    assert "Run your notebooks" in entries[0].split("Found")[0]
    assert "Restart Kernel and Run All Cells" in entries[0]
    assert not any("Run your notebooks" in e for e in entries[1:])  # one entry covers every dependent item


def test_a_live_endpoint_comes_first_with_its_instance_type_region_and_cost(demo):
    first = _fix_first(demo, "s03")[0]
    assert "costs money every hour" in first
    assert "ml.t2.medium" in first and "us-west-2" in first and "/hour" in first
    assert "aws sagemaker delete-endpoint" in first and "--region us-west-2" in first
