"""SageMaker training items against synthetic accounts on a real moto server (over HTTP).

Where moto cannot express a case, the test says how it gets there: a region's listing failing is
injected with a botocore `before-send` handler (registered first, so it answers before the
request is sent); ListTrainingJobs pagination uses botocore's Stubber (moto ignores page sizes);
RecordIO decoding of truncated or foreign bytes is tested on bytes made by grader.recordio's writer
(which tests/test_recordio.py proves writes what the SageMaker SDK writes, byte for byte).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from botocore.stub import Stubber

from checks.sagemaker import complete_records, decode_recordio, sibling_test_folder
from grader.aws.session import AwsAccess, AwsTarget
from grader.demo.scenario import Scenario, recordio
from grader.facts.jobs import is_builtin_linear_learner
from grader.recordio import write_dense_records
from tests.checks.helpers import account_context
from tests.conftest import item
from tests.faults import error_response

SM_ITEMS = ["sagemaker-rainfall-training", "sagemaker-rainfall-data", "sagemaker-credit-training"]
ALL_ITEMS = [*SM_ITEMS, "cleanup-endpoints", "cleanup-endpoint-configs", "cleanup-cost-leaks"]


def statuses(report, ids=ALL_ITEMS):
    return {i: item(report, i).status.value for i in ids}


def deny(access: AwsAccess, region: str, operation: str, code: str = "AccessDeniedException") -> None:
    """Make `operation` in `region` only answer 400 `code`, before the request is sent."""

    def handler(**_):
        return error_response("sagemaker", code, 400, "denied by the test")

    access.client("sagemaker", region).meta.events.register_first(f"before-send.sagemaker.{operation}", handler)


def access_for(built, moto_url, **options) -> AwsAccess:
    return AwsAccess(AwsTarget(role_arn=built.role_arn, external_id="ext-123", endpoint_url=moto_url), **options)


# -- the complete student and each mistake ---------------------------------------------------------
def test_complete_student_passes_all_sagemaker_and_cleanup_items(build, grade):
    report = grade(build(Scenario()))
    assert statuses(report) == dict.fromkeys(ALL_ITEMS, "pass")
    rain = item(report, "sagemaker-rainfall-training").evidence
    assert rain["predictor_type"] == "regressor" and rain["artifact_exists"] is True
    assert rain["private_bucket"].startswith("sm-models-") and "pattern" in rain["private_bucket_how"]
    data = item(report, "sagemaker-rainfall-data").evidence
    assert data["decoded"] == {"ok": True, "records_decoded": 4, "feature_dims": [1], "records_without_label": 0}
    assert data["test_objects"] == ["austin-rainfall-regression/test/linear_test.data"]
    credit = item(report, "sagemaker-credit-training").evidence
    assert credit["final_metrics"] == [{"metric": "train:progress", "value": 100.0}]
    assert credit["regions_scanned"] == ["us-east-2", "ca-central-1", "us-west-2"]


@pytest.mark.parametrize(
    ("scenario", "item_id", "status"),
    [
        (Scenario(credit_job=False), "sagemaker-credit-training", "fail"),
        (Scenario(rainfall_job=False), "sagemaker-rainfall-training", "fail"),
        (Scenario(training_data="csv"), "sagemaker-rainfall-data", "partial"),
        (Scenario(test_data=False), "sagemaker-rainfall-data", "partial"),
        (Scenario(training_data="none"), "sagemaker-rainfall-data", "fail"),
        (Scenario(artifact_deleted=True), "sagemaker-rainfall-training", "partial"),
        (Scenario(rainfall_image="123456789012.dkr.ecr.us-east-2.amazonaws.com/my-regressor:latest"),
         "sagemaker-rainfall-training", "fail"),
    ],
)
def test_each_mistake_changes_only_its_item(build, grade, scenario, item_id, status):
    report = grade(build(scenario))
    got = statuses(report)
    assert got.pop(item_id) == status
    assert set(got.values()) == {"pass"}, got
    assert item(report, item_id).remediation and "step" in item(report, item_id).remediation


def test_output_in_another_bucket_is_partial(build, grade):
    other = f"my-other-bucket-{uuid.uuid4().hex[:10]}"
    report = grade(build(Scenario(rainfall_output_bucket=other, extra_buckets=(other,))))
    res = item(report, "sagemaker-rainfall-training")
    assert res.status == "partial" and res.points.earned == 2.5
    assert other in res.message and res.evidence["regressor_jobs"][0]["output_path"].startswith(f"s3://{other}/")
    got = statuses(report)
    got.pop("sagemaker-rainfall-training")
    assert set(got.values()) == {"pass"}, got


def test_csv_training_data_says_why_it_does_not_decode(build, grade):
    res = item(grade(build(Scenario(training_data="csv"))), "sagemaker-rainfall-data")
    assert "not RecordIO" in res.evidence["decoded"]["problem"]
    assert res.evidence["train_object"].endswith("austin-rainfall-regression/train/linear_train.data")


def test_missing_test_object_is_named(build, grade):
    res = item(grade(build(Scenario(test_data=False))), "sagemaker-rainfall-data")
    assert res.evidence["decoded"]["ok"] is True
    assert "no `.data` test object in austin-rainfall-regression/test/" in res.message


def test_deleted_artifact_is_named(build, grade):
    res = item(grade(build(Scenario(artifact_deleted=True))), "sagemaker-rainfall-training")
    assert "no longer exists" in res.message
    assert res.evidence["regressor_jobs"][0]["artifact_exists"] is False


def test_training_data_found_outside_the_lesson_prefix(build, grade, moto_url):
    """No lesson prefix: the first `.data` object under a `train/` folder counts (and its sibling test/)."""
    from grader.demo.scenario import account_session

    built = build(Scenario(training_data="none"))
    s3 = account_session(moto_url, built.account_id).client("s3", region_name="us-east-2", endpoint_url=moto_url)
    bucket = built.resources["private_bucket"]
    s3.put_object(Bucket=bucket, Key="credit/train/c.data", Body=recordio([[1.0, 0.0, 3.0]], [1.0]))  # 3 features
    s3.put_object(Bucket=bucket, Key="rain/train/part-0.data", Body=recordio([[50.0], [60.0]], [0.1, 0.0]))
    s3.put_object(Bucket=bucket, Key="rain/test/part-0.data", Body=recordio([[55.0]], [0.0]))
    res = item(grade(built), "sagemaker-rainfall-data")
    assert res.status == "pass", res.message
    assert res.evidence["train_object"] == f"s3://{bucket}/rain/train/part-0.data"
    assert res.evidence["train_candidates_decoded"] == {f"s3://{bucket}/credit/train/c.data": False,
                                                         f"s3://{bucket}/rain/train/part-0.data": True}
    assert res.evidence["test_objects"] == ["rain/test/part-0.data"]


def test_region_listing_denied_is_error_naming_the_region(build, grade, moto_url):
    """No credit job in the readable regions and us-west-2 unreadable: `error`, not `fail`.
    A pass found in another region stays a pass (the rainfall job is in us-east-2)."""
    built = build(Scenario(credit_job=False))
    access = access_for(built, moto_url)
    deny(access, "us-west-2", "ListTrainingJobs")
    report = grade(built, access=access)
    credit = item(report, "sagemaker-credit-training")
    assert credit.status == "error"
    assert "us-west-2" in credit.message and "access denied" in credit.message
    assert "training jobs in us-west-2" in credit.evidence["could_not_read"]
    rain = item(report, "sagemaker-rainfall-training")
    assert rain.status == "pass"
    assert "training jobs in us-west-2" in rain.evidence["regions_unreadable"]
    assert item(report, "cleanup-endpoints").status == "pass"  # other listings of us-west-2 still read
    assert item(report, "cleanup-cost-leaks").status == "error"  # training jobs there could be running


def test_full_grade_stays_within_the_call_budget(build, grade):
    """regions "all" on moto (every offered region): at most 60 calls plus 5 per region scanned."""
    report = grade(build(Scenario()), regions=None)
    scanned = item(report, "cleanup-endpoints").evidence["regions_scanned"]
    assert len(scanned) >= 30
    assert report.stats["api_calls"] <= 60 + 5 * len(scanned), report.stats["operations"]
    ops = report.stats["operations"]
    assert ops["sagemaker:ListTrainingJobs"] == len(scanned)
    assert ops["sagemaker:DescribeTrainingJob"] == 2
    assert "sagemaker:ListApps" not in ops
    assert statuses(report) == dict.fromkeys(ALL_ITEMS, "pass")


# -- units -----------------------------------------------------------------------------------------
def test_list_training_jobs_pagination_and_bounded_describes(in_process):
    """moto ignores page sizes, so the two pages come from botocore's Stubber: both pages are read,
    and only the Completed job is described."""
    ctx = account_context(AwsAccess(AwsTarget()), regions=["us-east-2"])
    client = ctx.account.access.client("sagemaker", "us-east-2")
    t = datetime(2026, 11, 28, tzinfo=UTC)
    summary = {"TrainingJobArn": "arn:aws:sagemaker:us-east-2:123456789012:training-job/x", "CreationTime": t}
    described = {
        "TrainingJobName": "linear-learner-2", "TrainingJobArn": summary["TrainingJobArn"],
        "TrainingJobStatus": "Completed", "SecondaryStatus": "Completed", "CreationTime": t,
        "ModelArtifacts": {"S3ModelArtifacts": "s3://b/o/linear-learner-2/output/model.tar.gz"},
        "AlgorithmSpecification": {"TrainingImage": "404615174143.dkr.ecr.us-east-2.amazonaws.com/linear-learner:1",
                                   "TrainingInputMode": "File"},
        "HyperParameters": {"predictor_type": '"binary_classifier"'},
        "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
        "ResourceConfig": {"InstanceType": "ml.m4.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 60},
        "FinalMetricDataList": [{"MetricName": "test:binary_classification_accuracy", "Value": 0.77}],
    }
    with Stubber(client) as stub:
        stub.add_response("list_training_jobs", {"TrainingJobSummaries": [
            {**summary, "TrainingJobName": "linear-learner-1", "TrainingJobStatus": "InProgress"}], "NextToken": "p2"})
        stub.add_response("list_training_jobs", {"TrainingJobSummaries": [
            {**summary, "TrainingJobName": "linear-learner-2", "TrainingJobStatus": "Completed"}]},
            {"NextToken": "p2"})
        stub.add_response("describe_training_job", described, {"TrainingJobName": "linear-learner-2"})
        analysis = ctx.account.job_analysis()
        stub.assert_no_pending_responses()
    assert [s["TrainingJobName"] for _, s in analysis.scan.items()] == ["linear-learner-1", "linear-learner-2"]
    assert analysis.completed == 1
    [job] = analysis.with_predictor("binary_classifier")  # the JSON-quoted value is understood
    assert job.final_metrics == [{"metric": "test:binary_classification_accuracy", "value": 0.77}]
    assert ctx.account.job_analysis() is analysis  # computed once per run: no more calls


@pytest.mark.parametrize(
    ("image", "builtin"),
    [
        ("404615174143.dkr.ecr.us-east-2.amazonaws.com/linear-learner:1", True),
        ("174872318107.dkr.ecr.us-west-2.amazonaws.com/linear-learner:latest", True),
        ("174872318107.dkr.ecr.us-west-2.amazonaws.com/linear-learner", True),
        ("111122223333.dkr.ecr.us-east-2.amazonaws.com/linear-learner:1", False),  # the student's own ECR
        ("404615174143.dkr.ecr.us-east-2.amazonaws.com/xgboost:1", False),
        ("404615174143.dkr.ecr.us-east-2.amazonaws.com/my-linear-learner:1", False),
        ("docker.io/library/linear-learner:1", False),
        (None, False),
    ],
)
def test_builtin_linear_learner_image(image, builtin):
    assert is_builtin_linear_learner(image, "111122223333") is builtin


def test_recordio_decodes_a_truncated_prefix_and_rejects_csv():
    data = recordio([[float(i)] for i in range(10)], [0.5] * 10)
    whole = decode_recordio(data, 1)
    assert whole["ok"] and whole["records_decoded"] == 10
    cut = decode_recordio(data[: len(data) - 5], 1)  # the last record is cut off: dropped, not an error
    assert cut["ok"] and cut["records_decoded"] == 9
    assert complete_records(data[:3]) == (0, False)
    assert decode_recordio(b"0.0,54\n0.14,46\n", 1)["ok"] is False
    wide = decode_recordio(recordio([[1.0, 2.0]], [1.0]), 1)
    assert wide["ok"] is False and wide["feature_dims"] == [2]


def test_recordio_float64_and_unlabelled_records():
    data = write_dense_records([[1.0], [2.0]], dtype="float64")  # float64, no labels
    got = decode_recordio(data, 1)
    assert got["ok"] is False and got["records_without_label"] == 2 and got["feature_dims"] == [1]


def test_sibling_test_folder():
    assert sibling_test_folder("austin-rainfall-regression/train/linear_train.data") == \
        "austin-rainfall-regression/test/"
    assert sibling_test_folder("x/train/sub/train/a.data") == "x/train/sub/test/"
    assert sibling_test_folder("train/a.data") == "test/"

