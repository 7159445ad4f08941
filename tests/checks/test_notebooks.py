"""checks/notebooks.py: the notebook items of the rubric, status by status, as the spec names them.

Notebooks come from grader.demo.notebook_factory (plus a few hand-made files); nb-evidence-link runs
against in-process moto, and one end-to-end `grader check --notebooks` run against the moto server.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
import yaml
from moto import mock_aws

from checks import load_checks
from checks._common import Params
from checks.evidence_link import EvidenceParams
from checks.notebooks import AccuracyParams, ExecutedParams
from grader.aws.facts import AccountFacts
from grader.aws.regions import Regions
from grader.aws.session import AwsAccess, AwsTarget
from grader.context import Context, make_context
from grader.demo.notebook_factory import credit_notebook, rainfall_notebook, write_submission
from grader.engine import evaluate, run_check
from grader.models import Status, StudentInfo
from grader.notebooks import read_submission
from grader.rubric import load_rubric

RUBRIC = Path(__file__).resolve().parents[2] / "rubrics" / "sagemaker-13.2.yaml"
NB_ITEMS = ["nb-rainfall-executed", "nb-rainfall-metrics", "nb-credit-executed", "nb-credit-accuracy",
            "nb-credit-workflow", "nb-evidence-link"]


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


@pytest.fixture
def grade_nb(tmp_path, rubric):
    """grade_nb(rainfall=..., credit=...) -> {item: CheckResult} for the five account-free items."""
    counter = iter(range(1000))

    def run(*, rainfall=None, credit=None, folder=None, **names):
        if folder is None:
            folder = write_submission(tmp_path / f"s{next(counter)}", rainfall=rainfall or rainfall_notebook(),
                                      credit=credit or credit_notebook(), **names)
        ctx = Context(student=StudentInfo(id="s"), submission=read_submission(folder))
        checks = load_checks()
        return {item: run_check(checks[item], ctx, rubric.params_for(item)) for item in NB_ITEMS[:5]}

    return run


def status(res):
    return res.status.value


# -- registration and metadata ----------------------------------------------------------------
def test_registered_with_metadata():
    checks = load_checks()
    for item in NB_ITEMS:
        spec = checks[item]
        assert spec.category == "Notebooks" and spec.doc and spec.remediation.startswith(("Lesson step", "The notebooks"))
        assert issubclass(spec.params, Params)
        assert spec.needs == (("aws", "notebooks") if item == "nb-evidence-link" else ("notebooks",))
    assert checks["nb-evidence-link"].params is EvidenceParams
    assert EvidenceParams().regions == "all" and EvidenceParams(regions=["us-east-2"]).regions == ["us-east-2"]
    assert set(checks["nb-evidence-link"].permissions) == {"s3:ListAllMyBuckets", "sagemaker:ListTrainingJobs",
                                                           "ec2:DescribeRegions"}


def test_rubric_params_reach_the_checks(rubric):
    known = rubric.run_params.known_solutions
    assert rubric.params_for("nb-credit-accuracy") == AccuracyParams(min_accuracy=0.65, min_minority_share=0.05,
                                                                     leak_warning_above=0.90, known_solutions=known)
    assert [k.notebook for k in known] == ["rainfall", "rainfall", "credit", "credit"]
    assert rubric.params_for("nb-credit-executed") == ExecutedParams()
    assert rubric.params_for("nb-evidence-link").regions == "all"


def test_skipped_without_notebooks(rubric):
    ctx = Context(student=StudentInfo(id="s"))
    for item in NB_ITEMS:
        res = run_check(load_checks()[item], ctx, rubric.params_for(item))
        assert res.status is Status.SKIP and "no notebooks were given" in res.message


# -- notebooks done right ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "knobs",
    [
        {"sdk": "v2"},
        {"sdk": "v1", "old_sklearn": True, "crosstab": True},
        {"sdk": "v1-on-v2", "labels": "0/1"},
        {"labels": "0.0/1.0", "crosstab": True},
        {"labels": "good/bad", "minor": 2},
    ],
)
def test_realistic_notebooks_pass_every_item(grade_nb, knobs):
    sdk = knobs.get("sdk", "v2")
    results = grade_nb(rainfall=rainfall_notebook(sdk=sdk), credit=credit_notebook(**knobs))
    assert {k: status(v) for k, v in results.items()} == dict.fromkeys(NB_ITEMS[:5], "pass"), \
        {k: v.message for k, v in results.items()}


def test_download_suffix_names_pass(grade_nb):
    results = grade_nb(rainfall_name="Rainfall_Forecast (1).ipynb", credit_name="credit_risk_classification(2).ipynb")
    assert all(status(r) == "pass" for r in results.values())
    assert results["nb-credit-accuracy"].message.startswith("credit_risk_classification(2).ipynb: test accuracy 0.770")


def test_pass_evidence_quotes_each_figure_and_cell(grade_nb):
    res = grade_nb()["nb-credit-accuracy"]
    figures = res.evidence["figures"]
    assert [f["figure"] for f in figures] == ["accuracy", "classification report (accuracy row)", "confusion matrix"]
    assert figures[0]["printed"] == "accuracy_score: 0.77"
    assert all(f["where"].startswith("credit-risk-classification.ipynb cell ") for f in figures)
    assert res.evidence["minority"]["minority_class"] == "Bad" and res.evidence["minority"]["predicted_as_minority"] == 41
    assert res.evidence["confusion_matrix"]["counts"] == [[26, 31], [15, 128]]


# -- nb-credit-accuracy: the spec's failure cases -----------------------------------------------
@pytest.mark.parametrize("crosstab", [False, True])
def test_edited_accuracy_fails(grade_nb, crosstab):
    res = grade_nb(credit=credit_notebook(edited_accuracy=0.92, crosstab=crosstab))["nb-credit-accuracy"]
    assert status(res) == "fail"
    assert "disagree" in res.message and "possibly an edited output" in res.message
    assert {f["figure"] for f in res.evidence["disagreeing"]} >= {"accuracy", "confusion matrix"}


def test_one_edited_figure_among_three_fails(grade_nb, tmp_path):
    nb = credit_notebook()
    cell = next(c for c in nb.cells if c.cell_type == "code" and "accuracy_score(" in c.source)
    cell.outputs[0]["text"] = "accuracy_score: 0.81\n"
    res = grade_nb(credit=nb)["nb-credit-accuracy"]
    assert status(res) == "fail"
    assert [f["value"] for f in res.evidence["disagreeing"]] == [0.81]


@pytest.mark.parametrize("crosstab", [False, True])
@pytest.mark.parametrize("labels", ["Good/Bad", "0/1"])
def test_constant_all_good_model_fails(grade_nb, crosstab, labels):
    res = grade_nb(credit=credit_notebook(constant=True, crosstab=crosstab, labels=labels))["nb-credit-accuracy"]
    assert status(res) == "fail"
    assert res.evidence["accuracy"] == pytest.approx(0.715)
    assert "for only 0 of 200 test rows (0.0%)" in res.message


def test_constant_model_with_only_a_report_fails(grade_nb):
    nb = credit_notebook(constant=True)
    nb.cells = [c for c in nb.cells if "confusion_matrix(y_test" not in c.source]
    res = grade_nb(credit=nb)["nb-credit-accuracy"]
    assert status(res) == "fail" and res.evidence["minority"]["read_from"] == "classification report"


def test_poor_model_below_threshold_fails(grade_nb):
    res = grade_nb(credit=credit_notebook(confusion=((100, 43), (40, 17))))["nb-credit-accuracy"]
    assert status(res) == "fail"
    assert res.message == ("The test accuracy in credit-risk-classification.ipynb is 0.585, below the required 0.65.")


def test_perfect_accuracy_warns(grade_nb):
    res = grade_nb(credit=credit_notebook(confusion=((143, 0), (0, 57))))["nb-credit-accuracy"]
    assert status(res) == "warn" and "leak" in res.message and res.evidence["accuracy"] == 1.0


def test_not_reported_fails(grade_nb):
    nb = credit_notebook()
    nb.cells = [c for c in nb.cells if not (c.cell_type == "code" and ("accuracy_score(" in c.source
                or "classification_report(" in c.source or "confusion_matrix(y" in c.source))]
    res = grade_nb(credit=nb)["nb-credit-accuracy"]
    assert status(res) == "fail" and "reports no test accuracy" in res.message


def test_accuracy_alone_cannot_be_told_from_a_constant_model(grade_nb):
    nb = credit_notebook()
    nb.cells = [c for c in nb.cells if not (c.cell_type == "code" and ("classification_report(" in c.source
                or "confusion_matrix(y" in c.source))]
    res = grade_nb(credit=nb)["nb-credit-accuracy"]
    assert status(res) == "fail" and "no confusion matrix or classification report" in res.message


def test_thresholds_are_parameters(tmp_path):
    folder = write_submission(tmp_path, rainfall=rainfall_notebook(), credit=credit_notebook())
    ctx = Context(student=StudentInfo(id="s"), submission=read_submission(folder))
    spec = load_checks()["nb-credit-accuracy"]
    assert status(run_check(spec, ctx, AccuracyParams(min_accuracy=0.8))) == "fail"
    assert status(run_check(spec, ctx, AccuracyParams(leak_warning_above=0.75))) == "warn"
    assert status(run_check(spec, ctx, AccuracyParams(min_minority_share=0.25))) == "fail"


def test_rounding_slack_is_a_parameter(tmp_path):
    # 0.78 printed (rounding 0.005) against a confusion matrix worth 0.77 exactly: 0.01 apart
    folder = write_submission(tmp_path, rainfall=rainfall_notebook(), credit=credit_notebook(edited_accuracy=0.78))
    ctx = Context(student=StudentInfo(id="s"), submission=read_submission(folder))
    spec = load_checks()["nb-credit-accuracy"]
    res = run_check(spec, ctx, AccuracyParams())
    assert status(res) == "fail" and "disagree" in res.message
    assert status(run_check(spec, ctx, AccuracyParams(rounding_slack=0.006))) == "pass"
    assert status(run_check(spec, ctx, AccuracyParams(rounding_slack=0.006, min_accuracy=0.775))) == "pass"
    assert status(run_check(spec, ctx, AccuracyParams(rounding_slack=0.004, min_accuracy=0.775))) == "fail"


def test_every_threshold_is_written_in_the_rubric():
    """Each nb-* item's params are written out in the shipped rubric, with the values grading uses."""
    doc = yaml.safe_load(RUBRIC.read_text(encoding="utf-8"))
    checks = load_checks()
    items = [i for i in doc["items"] if i["id"].startswith("nb-") and checks[i["id"]].category == "Notebooks"]
    assert sorted(i["id"] for i in items) == sorted(NB_ITEMS)
    for item in items:
        model = checks[item.get("check", item["id"])].params
        written = {**doc.get("params", {}), **item.get("params", {})}
        assert set(model.model_fields) <= set(written), (item["id"], set(model.model_fields) - set(written))
        # every threshold is the default; known_solutions is the course's data (empty in code)
        values = {k: v for k, v in written.items() if k in model.model_fields and k != "known_solutions"}
        assert model(**values) == model(), item["id"]
    accuracy = next(i for i in items if i["id"] == "nb-credit-accuracy")["params"]
    assert accuracy == {"min_accuracy": 0.65, "min_minority_share": 0.05, "leak_warning_above": 0.90,
                        "rounding_slack": 1e-9, "min_decimals": 2}


# -- executed items ---------------------------------------------------------------------------
def test_never_executed_fails_executed_and_accuracy(grade_nb):
    results = grade_nb(rainfall=rainfall_notebook(executed=False), credit=credit_notebook(executed=False))
    for item in ("nb-rainfall-executed", "nb-credit-executed"):
        assert status(results[item]) == "fail" and "was not executed" in results[item].message
    assert status(results["nb-credit-accuracy"]) == "fail"
    assert status(results["nb-rainfall-metrics"]) == "fail"


def test_error_in_last_cell_is_partial(grade_nb):
    res = grade_nb(credit=credit_notebook(error_last=True))["nb-credit-executed"]
    assert status(res) == "partial" and res.fraction == 0.5
    assert "ended in an error (ClientError)" in res.message
    [err] = res.evidence["errors"]
    assert err["error"] == "ClientError" and "DeleteEndpoint" in err["message"]


def test_out_of_order_is_partial(grade_nb):
    res = grade_nb(rainfall=rainfall_notebook(out_of_order=True))["nb-rainfall-executed"]
    assert status(res) == "partial" and "out of order" in res.message
    assert res.evidence["out_of_order"] == ["cell 6 (In [18]) before cell 7 (In [4])"]


def test_renamed_warnings_are_not_errors(grade_nb):
    res = grade_nb(rainfall=rainfall_notebook(sdk="v1-on-v2"))["nb-rainfall-executed"]
    assert status(res) == "pass"


def test_a_few_cells_not_run_is_partial_most_is_fail(grade_nb):
    nb = credit_notebook()
    code = [c for c in nb.cells if c.cell_type == "code"]
    code[3].execution_count = None
    res = grade_nb(credit=nb)["nb-credit-executed"]
    assert status(res) == "partial" and "1 of 20 code cells were not run" in res.message
    for c in code[:11]:
        c.execution_count = None
    res = grade_nb(credit=nb)["nb-credit-executed"]
    assert status(res) == "fail" and "11 of 20 code cells have no execution count" in res.message


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"nbformat": 4, "cells": [{"cell_type": "code", "sour', "the file is truncated"),
        ("", "the file is empty"),
        ('{"nbformat": 3, "worksheets": []}', "an nbformat 3 notebook"),
    ],
)
def test_bad_file_fails_its_items_with_a_clear_message_others_still_graded(grade_nb, tmp_path, content, reason):
    folder = write_submission(tmp_path / "bad", rainfall=rainfall_notebook())
    (folder / "credit-risk-classification.ipynb").write_text(content)
    results = grade_nb(folder=folder)
    for item in ("nb-credit-executed", "nb-credit-accuracy", "nb-credit-workflow"):
        assert status(results[item]) == "fail"
        assert results[item].message.startswith(f"credit-risk-classification.ipynb: {reason}")
        assert results[item].evidence["problem"].startswith("credit-risk-classification.ipynb: ")
    assert status(results["nb-rainfall-executed"]) == "pass" and status(results["nb-rainfall-metrics"]) == "pass"


def test_missing_notebook_fails(grade_nb, tmp_path):
    folder = write_submission(tmp_path / "only-rain", rainfall=rainfall_notebook())
    res = grade_nb(folder=folder)["nb-credit-executed"]
    assert status(res) == "fail" and "no notebook named like credit-risk-classification.ipynb" in res.message


# -- rainfall metrics -------------------------------------------------------------------------
def test_only_rmse_is_partial(grade_nb):
    res = grade_nb(rainfall=rainfall_notebook(r2=None))["nb-rainfall-metrics"]
    assert status(res) == "partial" and res.fraction == pytest.approx(2 / 3)
    assert res.message == "rainfall_forecast.ipynb is missing an R²."
    assert res.evidence["rmse"]["printed"].startswith("RMSE: 0.418")


def test_only_r2_is_partial_neither_fails(grade_nb):
    assert status(grade_nb(rainfall=rainfall_notebook(rmse=None))["nb-rainfall-metrics"]) == "partial"
    res = grade_nb(rainfall=rainfall_notebook(rmse=None, r2=None))["nb-rainfall-metrics"]
    assert status(res) == "fail" and "neither an RMSE nor an R²" in res.message


def test_negative_r2_is_normal_invalid_values_are_not(grade_nb):
    assert status(grade_nb(rainfall=rainfall_notebook(r2=-0.31))["nb-rainfall-metrics"]) == "pass"
    res = grade_nb(rainfall=rainfall_notebook(rmse=float("nan"), r2=1.7))["nb-rainfall-metrics"]
    assert status(res) == "fail" and len(res.evidence["invalid"]) == 2


def test_regressor_missing_is_partial(grade_nb):
    nb = rainfall_notebook()
    for c in nb.cells:
        c.source = c.source.replace('predictor_type="regressor"', 'predictor_type="binary_classifier"')
    res = grade_nb(rainfall=nb)["nb-rainfall-metrics"]
    assert status(res) == "partial" and "found binary_classifier" in res.message


# -- workflow ---------------------------------------------------------------------------------
def test_workflow_partial_in_proportion(grade_nb):
    nb = credit_notebook()
    for c in nb.cells:
        c.source = c.source.replace("StandardScaler()", "None").replace("linear_predictor.delete_endpoint()", "pass")
    res = grade_nb(credit=nb)["nb-credit-workflow"]
    assert status(res) == "partial" and res.fraction == pytest.approx(5 / 7)
    assert res.evidence["steps"]["scale"] == "not found" and res.evidence["steps"]["delete_endpoint"] == "not found"
    assert res.evidence["steps"]["split"].startswith("credit-risk-classification.ipynb cell ")


def test_workflow_delete_in_error_cell_counts(grade_nb):
    res = grade_nb(credit=credit_notebook(error_last=True))["nb-credit-workflow"]
    assert status(res) == "pass" and "ClientError" in res.evidence["steps"]["delete_endpoint"]


# -- nb-evidence-link (in-process moto) ---------------------------------------------------------
JOB_KW = dict(
    AlgorithmSpecification={"TrainingImage": "404615174143.dkr.ecr.us-east-2.amazonaws.com/linear-learner:1",
                            "TrainingInputMode": "File"},
    RoleArn="arn:aws:iam::123456789012:role/sm", OutputDataConfig={"S3OutputPath": "s3://x/out"},
    ResourceConfig={"InstanceType": "ml.m4.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
    StoppingCondition={"MaxRuntimeInSeconds": 3600},
)


@pytest.fixture
def aws_ctx(monkeypatch, tmp_path):
    """aws_ctx(buckets, jobs, rainfall=..., credit=...) -> Context over in-process moto."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():

        def make(buckets=(), jobs=(), *, rainfall=None, credit=None):
            for name in buckets:
                boto3.client("s3", region_name="us-east-2").create_bucket(
                    Bucket=name, CreateBucketConfiguration={"LocationConstraint": "us-east-2"})
            for name in jobs:
                boto3.client("sagemaker", region_name="us-east-2").create_training_job(TrainingJobName=name, **JOB_KW)
            folder = write_submission(tmp_path / "nb", rainfall=rainfall or rainfall_notebook(),
                                      credit=credit or credit_notebook())
            facts = AccountFacts(AwsAccess(AwsTarget()))
            return make_context(StudentInfo(id="s"), facts, read_submission(folder), load_rubric(),
                                Regions(("us-east-2",)))

        yield make


RAIN_JOB = "linear-learner-2020-03-30-12-58-02-201"
CREDIT_JOB = "linear-learner-2020-03-30-13-21-40-623"


def link(ctx, regions="all"):
    return run_check(load_checks()["nb-evidence-link"], ctx, EvidenceParams(regions=regions))


def test_evidence_link_passes_when_everything_named_exists(aws_ctx):
    res = link(aws_ctx(["sm-models-20200330-1244"], [RAIN_JOB, CREDIT_JOB]))
    assert status(res) == "pass", res.message
    assert res.message == "All 1 bucket(s) and 2 training job(s) the notebooks name exist in this account."
    assert res.evidence["buckets"][0]["in_account"] is True
    assert [j["region"] for j in res.evidence["training_jobs"]] == ["us-east-2", "us-east-2"]


def test_evidence_link_fails_for_a_bucket_not_in_the_account(aws_ctx):
    ctx = aws_ctx(["sm-models-20200330-1244"], [RAIN_JOB, CREDIT_JOB],
                  credit=credit_notebook(bucket="someone-elses-bucket-1"))
    res = link(ctx)
    assert status(res) == "fail"
    assert "bucket someone-elses-bucket-1 (credit-risk-classification.ipynb cell " in res.message
    assert "flagged for review" in res.message


def test_evidence_link_fails_for_a_job_not_in_the_account(aws_ctx):
    res = link(aws_ctx(["sm-models-20200330-1244"], [RAIN_JOB]))
    assert status(res) == "fail" and f"training job {CREDIT_JOB}" in res.message
    assert res.evidence["training_jobs"][1] == {**res.evidence["training_jobs"][1], "region": None}


def test_evidence_link_skips_when_nothing_is_named(aws_ctx):
    ctx = aws_ctx([], [], rainfall=rainfall_notebook(bucket=None, job_name=None),
                  credit=credit_notebook(bucket=None, job_name=None))
    res = link(ctx)
    assert status(res) == "skip" and "name no S3 bucket and no training job" in res.message


def test_evidence_link_errors_when_a_region_cannot_be_listed(aws_ctx, monkeypatch):
    ctx = aws_ctx(["sm-models-20200330-1244"], [RAIN_JOB])
    from grader.errors import FactError

    def denied(region):
        raise FactError(f"training jobs in {region}", "access denied (AccessDeniedException)")

    monkeypatch.setattr(ctx.account.sagemaker, "training_jobs", denied)
    res = link(ctx)
    assert status(res) == "error" and "may be there" in res.message
    assert res.evidence["region_errors"] == {"us-east-2": "access denied (AccessDeniedException)"}


def test_evaluate_through_the_rubric(aws_ctx, rubric):
    ctx = aws_ctx(["sm-models-20200330-1244"], [RAIN_JOB, CREDIT_JOB])
    items = {i.id: i for i in evaluate(rubric, ctx)}
    for item in NB_ITEMS:
        assert items[item].status is Status.PASS, (item, items[item].message)
        assert items[item].remediation is None
    assert items["nb-credit-accuracy"].points.earned == 6 and items["nb-evidence-link"].points.possible == 0


def test_remediation_points_at_the_lesson_step(aws_ctx, rubric):
    ctx = aws_ctx(["sm-models-20200330-1244"], [], credit=credit_notebook(constant=True))
    items = {i.id: i for i in evaluate(rubric, ctx)}
    assert items["nb-credit-accuracy"].status is Status.FAIL and items["nb-credit-accuracy"].points.earned == 0
    assert items["nb-credit-accuracy"].remediation.startswith("Lesson steps 8-9")
    assert items["nb-evidence-link"].status is Status.FAIL


# -- end to end: `grader check --notebooks` against the moto server --------------------------------
def test_grader_check_end_to_end(build, moto_url, tmp_path, capsys):
    from grader.cli import main
    from grader.demo.scenario import Scenario

    built = build(Scenario())
    sc = built.scenario
    folder = write_submission(tmp_path / "nbs", rainfall=rainfall_notebook(bucket=sc.private_name,
                                                                           job_name=sc.job_name("rainfall")),
                              credit=credit_notebook(bucket=sc.private_name, job_name=sc.job_name("credit")))
    (folder / "credit-risk-classification.ipynb").write_text('{"nbformat": 4, "cells": [{"cell_type": "co')
    out = tmp_path / "out"
    code = main(["check", "--notebooks", str(folder), "--out", str(out), "--format", "json",
                 "--role-arn", built.role_arn, "--external-id", "ext-123", "--endpoint-url", moto_url,
                 "--regions", "us-east-2,ca-central-1"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    report = json.loads((out / "report.json").read_text())
    items = {i["id"]: i for i in report["items"]}
    assert items["nb-rainfall-executed"]["status"] == "pass"
    assert items["nb-rainfall-metrics"]["status"] == "pass"
    assert items["nb-evidence-link"]["status"] == "pass", items["nb-evidence-link"]
    for item in ("nb-credit-executed", "nb-credit-accuracy", "nb-credit-workflow"):
        assert items[item]["status"] == "fail"
        assert items[item]["message"].startswith("credit-risk-classification.ipynb: the file is truncated")
    assert Path(out / "report.json").exists()
