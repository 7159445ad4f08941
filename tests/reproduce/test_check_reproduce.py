"""`grader check --reproduce`: the re-execution as the collect stage of a real grading (moto over
HTTP for the account, the sandbox for the notebooks): the reproduction items are graded, the
other items still are, and without --reproduce the two items are `skip`."""

from __future__ import annotations

import json

import pytest

from grader.cli import main
from grader.demo.scenario import Scenario
from grader.demo.solved_templates import write_solved
from grader.reproduce import execute_submission

NB_ITEMS = ("nb-rainfall-executed", "nb-credit-executed", "nb-rainfall-metrics", "nb-credit-accuracy",
            "nb-credit-workflow", "nb-credit-reproduced", "nb-rainfall-reproduced")


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The starter notebooks with the lesson's solution in their gaps, executed once in the sandbox."""
    out = tmp_path_factory.mktemp("executed")
    execute_submission(write_solved(tmp_path_factory.mktemp("solved")), out)
    return out


def _check(build, moto_url, notebooks, out, *extra) -> dict:
    student = build(Scenario())
    code = main(["check", "--notebooks", str(notebooks), "--out", str(out), "--endpoint-url", moto_url,
                 "--role-arn", student.role_arn, "--external-id", "ext", "--regions", "us-east-2", *extra])
    assert code in (0, 1)
    return json.loads((out / "report.json").read_text())


def test_executed_starters_pass_every_nb_item_and_reproduce(build, moto_url, executed, tmp_path):
    report = _check(build, moto_url, executed, tmp_path / "out", "--reproduce")
    items = {i["id"]: i for i in report["items"]}
    assert {i: items[i]["status"] for i in NB_ITEMS} == dict.fromkeys(NB_ITEMS, "pass"), \
        {i: items[i]["message"] for i in NB_ITEMS if items[i]["status"] != "pass"}
    assert report["reproduced"] is True and items["iam-admin-user"]["status"] == "pass"
    credit = items["nb-credit-reproduced"]
    assert credit["evidence"]["compared"]["accuracy"]["printed"] == credit["evidence"]["compared"]["accuracy"]["reexecuted"]
    assert "network" in json.dumps(credit["evidence"]["isolation"]).lower()
    assert items["nb-credit-accuracy"]["evidence"]["reexecuted"]["figures"]
    assert "SYNTHETIC" in items["nb-rainfall-reproduced"]["evidence"]["why_not_compared"]
    assert sorted(p.name for p in (tmp_path / "out" / "executed").glob("*.ipynb")) == [
        "credit-risk-classification.ipynb", "rainfall_forecast.ipynb"]


def test_without_reproduce_the_items_are_skip_and_the_report_is_still_complete(build, moto_url, executed, tmp_path):
    report = _check(build, moto_url, executed, tmp_path / "out")
    items = {i["id"]: i for i in report["items"]}
    for item in ("nb-credit-reproduced", "nb-rainfall-reproduced"):
        assert items[item]["status"] == "skip" and "--reproduce" in items[item]["message"]
    assert report["incomplete"] == [] and report["reproduced"] is False
