"""`grader demo`: a synthetic class on an in-process moto server, graded by the batch code path.
Runs with fewer students than the default 8 to stay quick; the plan of all 12 is checked
without building it."""

from __future__ import annotations

import csv
import json
import webbrowser

import pytest

from grader.cli import main
from grader.demo.notebook_factory import demo_notebook
from grader.demo.run import DEMO_CLASS, open_in_browser
from grader.demo.scenario import Scenario

# what each of the first four demo students got wrong (item ids that must not pass)
EXPECTED_NOT_PASSING = {
    "s01": set(),
    "s02": {"s3-public-bucket", "s3-public-object"},
    "s03": {"cleanup-endpoints", "cleanup-endpoint-configs", "s3-public-object"},
    "s04": {"cleanup-endpoint-configs"},
}


def test_demo_grades_a_synthetic_class_with_a_spread_of_results(tmp_path, capsys, monkeypatch):
    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    out = tmp_path / "demo"

    code = main(["demo", "--out", str(out), "--students", "4", "--open"])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    index = (out / "index.html").resolve()
    assert captured.out.strip().splitlines()[-1] == f"class report: {index}"
    assert opened == [index.as_uri()]
    assert "[4/4]" in captured.err

    with (out / "roster" / "roster.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["student_id"] for r in rows] == ["s01", "s02", "s03", "s04"]
    accounts = {r["role_arn"].split(":")[4] for r in rows}
    assert len(accounts) == 4 and all(r["external_id"] for r in rows)
    assert all((out / "roster" / r["notebooks"] / "credit-risk-classification.ipynb").is_file() for r in rows)

    klass = json.loads((out / "class.json").read_text())
    assert klass["synthetic"] is True
    assert [s["student"]["id"] for s in klass["students"]] == ["s01", "s02", "s03", "s04"]
    for entry in klass["students"]:
        sid = entry["student"]["id"]
        report = json.loads((out / "students" / sid / "report.json").read_text())
        assert report["synthetic"] is True
        assert report["student"]["account_id"] in accounts
        not_passing = {i["id"] for i in report["items"] if i["status"] in ("fail", "partial", "error")}
        assert not_passing == EXPECTED_NOT_PASSING[sid], sid
        assert all(i["status"] != "skip" for i in report["items"] if i["category"] == "Notebooks")
    percents = [s["score"]["percent"] for s in klass["students"]]
    assert percents[0] == 100.0 and all(p < 100.0 for p in percents[1:])


@pytest.mark.parametrize("spec", DEMO_CLASS, ids=[s.name for s in DEMO_CLASS])
def test_every_planned_student_is_buildable(spec):
    Scenario(**spec.scenario)  # unknown fields would raise
    for kind in ("rainfall", "credit"):
        assert json.loads(demo_notebook(kind, spec.notebooks.get(kind), bucket="b", rainfall_job="r",
                                        credit_job="c"))["nbformat"] == 4


def test_the_default_class_has_one_perfect_student_and_the_lessons_typical_mistakes():
    first8 = DEMO_CLASS[:8]
    assert first8[0].scenario == {} and first8[0].notebooks == {}
    assert all(s.scenario or s.notebooks for s in first8[1:])
    planned = {k: v for s in first8 for k, v in s.scenario.items()}
    knobs = {v for s in first8 for v in s.notebooks.values()}
    assert planned["public_blocked"] is True and planned["admin_via"] == "user"
    assert planned["endpoints_left"] == ("us-west-2",) and planned["configs_left"] == ("us-east-2",)
    assert {"edited_accuracy", "constant_model", "unexecuted"} <= knobs


def test_open_without_a_browser_is_not_a_failure(tmp_path, monkeypatch):
    def no_browser(url):
        raise webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr(webbrowser, "open", no_browser)
    assert open_in_browser(tmp_path / "index.html") is False
