"""Real re-executions in the sandbox (nbclient, ipykernel, in-kernel moto, the stand-in):
the starter notebooks solved, an honest SDK-1 notebook with an unseeded split, the same notebook
edited to claim 0.895, and outputs under placeholder code."""

from __future__ import annotations

import shutil

import nbformat
import pytest

import student_templates
from grader.demo.solved_templates import solved_credit, write_solved
from grader.reproduce import RunStatus, execute_submission, reproduce
from tests.reproduce.helpers import edit_credit_to, nb_statuses, outputs_under_placeholders

CREDIT = "credit-risk-classification.ipynb"


@pytest.fixture(scope="module")
def executed_starters(tmp_path_factory):
    """The shipped starter notebooks, gaps filled with the lesson's solution, executed once."""
    src = write_solved(tmp_path_factory.mktemp("solved"))
    out = tmp_path_factory.mktemp("executed")
    sub = execute_submission(src, out)
    return sub, out


def test_solved_starters_execute_end_to_end_and_pass_every_nb_item(executed_starters):
    sub, out = executed_starters
    for role, run in sub.notebooks.items():
        assert run.status is RunStatus.COMPLETED, (role, run.message, run.cell_errors)
        assert run.cells_run == run.code_cells > 15
        assert run.isolation["network_namespace"] is True  # Linux, root: CI runs it so
        assert len(run.training_jobs) == 1 and run.durations.training_s > 0
    assert sub.notebooks["rainfall"].synthetic_data and not sub.notebooks["credit"].synthetic_data
    assert nb_statuses(out) == dict.fromkeys(nb_statuses(out), "pass")


def test_executed_starters_reproduce(executed_starters, tmp_path):
    _, out = executed_starters
    sub, verdicts = reproduce(out, tmp_path / "again")
    credit, rainfall = verdicts["nb-credit-reproduced"], verdicts["nb-rainfall-reproduced"]
    assert credit.status == "pass", credit.message
    assert credit.evidence["split"]["seeded"] is True and credit.evidence["seeds"]["accuracy"][0]["seed"] == 0
    printed, rerun = credit.evidence["compared"]["accuracy"]["printed"], credit.evidence["compared"]["accuracy"]["reexecuted"]
    assert printed == rerun  # same seed, same split, same stand-in: the same figure
    assert rainfall.status == "pass" and rainfall.evidence["metrics_compared"] is False
    assert "SYNTHETIC" in rainfall.evidence["why_not_compared"]


def test_the_unfilled_starters_run_through_with_their_errors_recorded(tmp_path):
    src = tmp_path / "starter"
    shutil.copytree(student_templates.files(), src, ignore=shutil.ignore_patterns("__*", "*.py"))
    sub, verdicts = reproduce(src, tmp_path / "out", seeds=1)
    run = sub.notebooks["credit"]
    assert run.status is RunStatus.CELL_ERROR and run.new_errors
    assert verdicts["nb-credit-reproduced"].status == "fail"


@pytest.fixture(scope="module")
def honest_v1(tmp_path_factory):
    """An honest credit notebook as the course's 2020 runs: SDK-1 code, a split without
    random_state; executed once in the sandbox to get its outputs."""
    src = tmp_path_factory.mktemp("v1src")
    nbformat.write(solved_credit(sdk="v1", seeded=False, test_size=0.2), src / CREDIT)
    out = tmp_path_factory.mktemp("v1out")
    run = execute_submission(src, out, seeds=1, roles=("credit",)).notebooks["credit"]
    assert run.status is RunStatus.COMPLETED, (run.message, run.cell_errors)
    return nbformat.read(out / CREDIT, as_version=4)


def test_honest_sdk1_notebook_with_unseeded_split_reproduces(honest_v1, tmp_path):
    text = nbformat.writes(honest_v1)
    for v1 in ("get_image_uri", "sagemaker.s3_input", "csv_serializer", "train_instance_count"):
        assert v1 in text
    (tmp_path / "sub").mkdir()
    nbformat.write(honest_v1, tmp_path / "sub" / CREDIT)
    sub, verdicts = reproduce(tmp_path / "sub", tmp_path / "out", seeds=5)
    v = verdicts["nb-credit-reproduced"]
    assert v.status == "pass", v.message
    assert v.evidence["split"]["seeded"] is False
    seeds = v.evidence["seeds"]["accuracy"]
    assert [s["seed"] for s in seeds] == [0, 1, 2, 3, 4] and all(s["accuracy"] for s in seeds)
    assert len({s["accuracy"] for s in seeds}) > 1  # the splits really differ
    assert all(0.6 < s["accuracy"] < 0.85 for s in seeds)
    assert sub.notebooks.get("rainfall").status is RunStatus.NOT_FOUND


def test_edited_to_claim_0895_fails_with_a_review_flag_though_nb_credit_accuracy_passes(honest_v1, tmp_path):
    edited, acc = edit_credit_to(honest_v1, (10, 11))
    assert acc == pytest.approx(0.895)
    folder = tmp_path / "sub"
    folder.mkdir()
    nbformat.write(edited, folder / CREDIT)
    assert nb_statuses(folder, ("nb-credit-accuracy",)) == {"nb-credit-accuracy": "pass"}
    _, verdicts = reproduce(folder, tmp_path / "out", seeds=5)
    v = verdicts["nb-credit-reproduced"]
    assert v.status == "fail" and v.review is not None and v.review.kind == "not-reproduced"
    assert "0.895" in v.message
    compared = v.evidence["compared"]["accuracy"]
    assert compared["printed"] == pytest.approx(0.895) and max(compared["reexecuted"]) < 0.85
    assert len(compared["reexecuted"]) == 5


def test_outputs_under_placeholder_code_do_not_reproduce(executed_starters, tmp_path):
    _, out = executed_starters
    template = nbformat.read(student_templates.files() / CREDIT, as_version=4)
    fake = outputs_under_placeholders(template, nbformat.read(out / CREDIT, as_version=4))
    folder = tmp_path / "sub"
    folder.mkdir()
    nbformat.write(fake, folder / CREDIT)
    assert nb_statuses(folder, ("nb-credit-accuracy",)) == {"nb-credit-accuracy": "pass"}  # what it printed is fine
    _, verdicts = reproduce(folder, tmp_path / "out", seeds=1)
    v = verdicts["nb-credit-reproduced"]
    assert v.status == "fail" and v.review is not None and v.review.kind == "not-reproduced"
    assert "errors where the original printed results" in v.message
