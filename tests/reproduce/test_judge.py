"""The judge's rules on typed runs and figure dicts (no kernel): seeded and unseeded splits,
tolerances, errors of the student's making vs the sandbox's, the synthetic rainfall data."""

from __future__ import annotations

import pytest

from grader.reproduce.judge import Tolerances, judge_credit, judge_rainfall
from grader.reproduce.names import buckets_of, region_of, split_of
from grader.reproduce.results import CellError, NotebookRun, RunStatus, SeedRun, Split

GOOD = {"accuracy": 0.74, "minority_share": 0.22}


def _run(role="credit", seeded=True, seeds=(), status=RunStatus.COMPLETED, errors=(), synthetic=False, **kw):
    return NotebookRun(role=role, source=f"/s/{role}.ipynb", executed_path="/o/x.ipynb", status=status, message="m",
                       split=Split(cell=11, call="train_test_split(X, y)", seeded=seeded), synthetic_data=synthetic,
                       seed_runs=[SeedRun(seed=i + 1, figures=f) for i, f in enumerate(seeds)],
                       cell_errors=list(errors), **kw)


def test_seeded_split_reproduces_within_tolerance_and_fails_outside():
    assert judge_credit(_run(), {"accuracy": 0.76}, GOOD).status == "pass"
    v = judge_credit(_run(), {"accuracy": 0.80}, GOOD)
    assert v.status == "fail" and v.review.kind == "not-reproduced"
    assert v.evidence["compared"]["accuracy"] == {"printed": 0.80, "reexecuted": 0.74, "accepted": [0.69, 0.79]}
    assert judge_credit(_run(), {"accuracy": 0.80}, GOOD, Tolerances(accuracy_abs=0.07)).status == "pass"


def test_unseeded_split_plausible_within_the_seeds_range_or_three_sigma():
    seeds = [{"accuracy": a, "minority_share": 0.2} for a in (0.70, 0.72, 0.76, 0.78)]
    run = _run(seeded=False, seeds=seeds)
    assert judge_credit(run, {"accuracy": 0.815}, GOOD).status == "pass"  # 0.78 + 0.05 tolerance
    v = judge_credit(run, {"accuracy": 0.895}, GOOD)
    assert v.status == "fail" and v.review is not None
    assert "0.895" in v.message and "5 random splits" in v.message
    assert [s["seed"] for s in v.evidence["seeds"]["accuracy"]] == [0, 1, 2, 3, 4]
    tight = Tolerances(accuracy_abs=0.0, sigmas=3.0)  # the mean ± 3 sd rule alone
    assert judge_credit(run, {"accuracy": 0.82}, GOOD, tight).status == "pass"
    assert judge_credit(run, {"accuracy": 0.87}, GOOD, tight).status == "fail"


def test_errors_of_the_students_making_fail_and_the_sandboxs_are_errors():
    own = CellError(cell=20, ename="NameError", evalue="name 'linear' is not defined")
    v = judge_credit(_run(status=RunStatus.CELL_ERROR, errors=[own]), GOOD, GOOD)
    assert v.status == "fail" and v.review.kind == "not-reproduced" and "cell 21: NameError" in v.message
    twice = CellError(cell=31, ename="ClientError", evalue="Could not find endpoint", in_original=True)
    assert judge_credit(_run(status=RunStatus.CELL_ERROR, errors=[twice]), GOOD, GOOD).status == "pass"
    v = judge_credit(_run(status=RunStatus.TIMEOUT, limit="per-cell time limit of 3 s"), GOOD, {})
    assert v.status == "error" and "per-cell time limit of 3 s" in v.message and v.review is None
    v = judge_credit(_run(status=RunStatus.MISSING_DATA), GOOD, {})
    assert v.status == "error" and "data the grader lacks" in v.message
    assert judge_credit(_run(status=RunStatus.NOT_FOUND), {}, {}).status == "fail"


def test_the_reexecuted_model_must_itself_pass_threshold_and_minority_rule():
    v = judge_credit(_run(), {"accuracy": 0.64}, {"accuracy": 0.64, "minority_share": 0.2})
    assert v.status == "fail" and "below the required 0.65" in v.message and v.review is None
    v = judge_credit(_run(), {"accuracy": 0.70}, {"accuracy": 0.70, "minority_share": 0.01})
    assert v.status == "fail" and "minority class" in v.message
    v = judge_credit(_run(), {"accuracy": 0.70}, {"accuracy": 0.70})
    assert v.status == "fail" and "constant" in v.message
    v = judge_credit(_run(), {"accuracy": 0.74}, {})
    assert v.status == "fail" and v.review is not None  # printed a figure the code no longer prints


def test_rainfall_compares_rmse_relatively_and_r2_absolutely_unless_synthetic():
    rerun = {"rmse": 0.42, "r2": -0.01}
    run = _run("rainfall")
    assert judge_rainfall(run, {"rmse": 0.45, "r2": 0.03}, rerun).status == "pass"
    assert judge_rainfall(run, {"rmse": 0.30, "r2": -0.01}, rerun).status == "fail"  # 29% off
    assert judge_rainfall(run, {"rmse": 0.42, "r2": 0.30}, rerun).status == "fail"
    v = judge_rainfall(_run("rainfall", synthetic=True), {"rmse": 0.10, "r2": 0.9}, rerun)
    assert v.status == "pass" and v.evidence["metrics_compared"] is False and "SYNTHETIC" in v.evidence["why_not_compared"]
    own = CellError(cell=5, ename="KeyError", evalue="'TempAvgF'")
    assert judge_rainfall(_run("rainfall", synthetic=True, status=RunStatus.CELL_ERROR, errors=[own]), {}, {}).status == "fail"


@pytest.mark.parametrize(("call", "seeded"), [
    ("X_train, X_test, y_train, y_test = train_test_split(X, y)", False),
    ("X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=1)", True),
    ("a = train_test_split(\n    X, y,\n    test_size=0.2,  # random_state=1\n)", False),
    ("a = train_test_split(X, y, random_state=None)", False),
    ("a = train_test_split(X, y, shuffle=False)", True),
    ("a = train_test_split(X, y, random_state=SEED)", True),
])
def test_split_seeding_is_read_from_the_call(call, seeded):
    split = split_of([(3, "import x"), (7, call)])
    assert split.cell == 7 and split.seeded is seeded


def test_region_and_buckets_come_from_what_the_notebook_names():
    texts = ['bucket = "sm-models-20200330-1244"\nprefix = "x"',
             "Training data uploaded to: s3://sm-models-20200330-1244/credit/train/linear_train.data",
             "image 382416733822.dkr.ecr.us-east-2.amazonaws.com/linear-learner:1 ca-central-1",
             'boto3.resource("s3").Bucket("other-bucket").Object(k)', "s3://sagemaker-us-east-2-123456789012/x",
             "arn:aws:sagemaker:us-east-2:123:training-job/j"]
    assert region_of(texts) == "us-east-2" and region_of(["nothing"]) == "us-east-2"
    assert region_of(["eu-west-1 eu-west-1 us-east-2"]) == "eu-west-1"
    assert buckets_of(texts) == ["sm-models-20200330-1244", "other-bucket"]
