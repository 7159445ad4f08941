"""The linear-learner stand-in against in-process moto: it trains on the channels the SDK
writes and answers InvokeEndpoint in linear-learner's formats, 400 after the delete."""

from __future__ import annotations

import io
import json
import tarfile

import boto3
import numpy as np
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from grader.recordio import read_records, write_dense_records
from grader.reproduce.kernel import fit, formats, standin

REGION = "us-east-2"
IMAGE = "404615174143.dkr.ecr.us-east-2.amazonaws.com/linear-learner:1"
ROLE = "arn:aws:iam::123456789012:role/AmazonSageMaker-ExecutionRole-20200330T125000"


@pytest.fixture
def aws():
    standin.install()
    try:
        with mock_aws():
            s3 = boto3.client("s3", region_name=REGION)
            s3.create_bucket(Bucket="sm-bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
            yield s3
    finally:
        standin.uninstall()


def _data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = (x @ [1.5, -2.0, 0.5] + rng.normal(scale=0.5, size=n) > 0.3).astype("float64")
    return x, y


def _upload_recordio(s3, key, x, y):
    s3.put_object(Bucket="sm-bucket", Key=key, Body=write_dense_records(x.tolist(), y.tolist()))


def _train(job, channels, hp):
    sm = boto3.client("sagemaker", region_name=REGION)
    sm.create_training_job(
        TrainingJobName=job, HyperParameters=hp, RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        InputDataConfig=[{"ChannelName": name, "DataSource": {"S3DataSource": {
            "S3DataType": kind, "S3Uri": uri, "S3DataDistributionType": "FullyReplicated"}}, **extra}
            for name, (kind, uri, extra) in channels.items()],
        OutputDataConfig={"S3OutputPath": "s3://sm-bucket/out"},
        ResourceConfig={"InstanceType": "ml.m4.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 3600})
    return sm


def _deploy(sm, job, name="ep-1"):
    art = sm.describe_training_job(TrainingJobName=job)["ModelArtifacts"]["S3ModelArtifacts"]
    sm.create_model(ModelName=f"m-{name}", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE, "ModelDataUrl": art})
    sm.create_endpoint_config(EndpointConfigName=f"c-{name}", ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": f"m-{name}", "InitialInstanceCount": 1,
        "InstanceType": "ml.t2.medium"}])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=f"c-{name}")
    return boto3.client("sagemaker-runtime", region_name=REGION)


def test_binary_classifier_trains_writes_artifact_and_log_and_answers_every_format(aws):
    x, y = _data()
    _upload_recordio(aws, "p/train/linear_train.data", x[:300], y[:300])
    _upload_recordio(aws, "p/test/linear_test.data", x[300:], y[300:])
    sm = _train("job-bin", {"train": ("S3Prefix", "s3://sm-bucket/p/train", {}),
                            "test": ("S3Prefix", "s3://sm-bucket/p/test", {})},
                {"feature_dim": "3", "predictor_type": "binary_classifier", "mini_batch_size": "100"})
    obj = aws.get_object(Bucket="sm-bucket", Key="out/job-bin/output/model.tar.gz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(obj)) as tar:
        model = json.loads(tar.extractfile(standin.MODEL_FILE).read())
    assert model["predictor_type"] == "binary_classifier" and len(model["coef"]) == 3
    logs = boto3.client("logs", region_name=REGION)
    streams = logs.describe_log_streams(logGroupName=standin.LOG_GROUP, logStreamNamePrefix="job-bin")["logStreams"]
    assert len(streams) == 1 and streams[0]["logStreamName"].startswith("job-bin/algo-1-")
    events = [e["message"] for e in logs.get_log_events(logGroupName=standin.LOG_GROUP,
                                                         logStreamName=streams[0]["logStreamName"])["events"]]
    assert events[-1] == "Completed - Training job completed"
    assert any("test binary_classification_accuracy" in e for e in events)

    rt = _deploy(sm, "job-bin")
    test_x, test_y = x[300:], y[300:]
    csv = "\n".join(",".join(str(v) for v in row) for row in test_x).encode()
    got = json.loads(rt.invoke_endpoint(EndpointName="ep-1", ContentType="text/csv", Accept="application/json",
                                        Body=csv)["Body"].read())
    labels = [p["predicted_label"] for p in got["predictions"]]
    assert len(labels) == 100 and set(labels) <= {0.0, 1.0}
    assert np.mean(np.array(labels) == test_y) > 0.8  # it really learned
    assert all(0 <= p["score"] <= 1 for p in got["predictions"])

    body = json.dumps({"instances": [{"features": list(r)} for r in test_x[:5]]})
    lines = rt.invoke_endpoint(EndpointName="ep-1", ContentType="application/json", Accept="application/jsonlines",
                               Body=body)["Body"].read().decode().splitlines()
    assert [json.loads(line)["predicted_label"] for line in lines] == labels[:5]

    resp = rt.invoke_endpoint(EndpointName="ep-1", ContentType=formats.RECORDIO, Accept=formats.RECORDIO,
                              Body=write_dense_records(test_x[:4].tolist()))
    assert resp["ContentType"] == formats.RECORDIO
    records = read_records(resp["Body"].read())
    assert [r.label["predicted_label"].float32_tensor.values[0] for r in records] == labels[:4]
    assert abs(records[0].label["score"].float32_tensor.values[0] - got["predictions"][0]["score"]) < 1e-5

    sm.delete_endpoint(EndpointName="ep-1")
    with pytest.raises(ClientError) as err:
        rt.invoke_endpoint(EndpointName="ep-1", ContentType="text/csv", Body=csv)
    assert err.value.response["Error"]["Code"] == "ValidationError"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err.value.response["Error"]["Message"] == "Endpoint ep-1 of account 123456789012 not found."


def test_regressor_absolute_loss_from_a_csv_manifest_channel(aws):
    rng = np.random.default_rng(1)
    x = rng.uniform(40, 90, size=(200, 1))
    y = np.where(rng.random(200) < 0.7, 0.0, rng.gamma(1.0, 0.5, 200))
    aws.put_object(Bucket="sm-bucket", Key="r/train/part0.csv",
                   Body="\n".join(f"{t},{f}" for t, f in zip(y[:100], x[:100, 0], strict=True)).encode())
    aws.put_object(Bucket="sm-bucket", Key="r/train/part1.csv",
                   Body="\n".join(f"{t},{f}" for t, f in zip(y[100:], x[100:, 0], strict=True)).encode())
    manifest = json.dumps([{"prefix": "s3://sm-bucket/r/train/"}, "part0.csv", "part1.csv"])
    aws.put_object(Bucket="sm-bucket", Key="r/train/.amazon.manifest", Body=manifest.encode())
    sm = _train("job-reg", {"train": ("ManifestFile", "s3://sm-bucket/r/train/.amazon.manifest",
                                      {"ContentType": "text/csv"})},
                {"feature_dim": "1", "predictor_type": "regressor", "loss": "absolute_loss"})
    rt = _deploy(sm, "job-reg", "ep-reg")
    got = json.loads(rt.invoke_endpoint(EndpointName="ep-reg", ContentType="text/csv", Body=b"50\n80\n")["Body"].read())
    assert [set(p) for p in got["predictions"]] == [{"score"}, {"score"}]
    # median regression on mostly-dry days predicts (almost) no rain, unlike least squares
    assert all(abs(p["score"]) < 0.1 for p in got["predictions"])
    assert standin.STATS["jobs"][-1]["predictor_type"] == "regressor"


def test_rejected_training_data_fails_the_call_and_other_images_are_left_to_moto(aws):
    x, y = _data(50)
    _upload_recordio(aws, "bad/train/d", x, y + 1)  # labels 1/2: not a binary classifier's
    with pytest.raises(standin.StandInTrainingFailed, match="labels must be 0 or 1"):
        _train("job-bad", {"train": ("S3Prefix", "s3://sm-bucket/bad/train", {})},
               {"predictor_type": "binary_classifier"})
    assert not standin.is_linear_learner("123.dkr.ecr.us-east-2.amazonaws.com/xgboost:1")
    assert standin.is_linear_learner("382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:latest")


def test_threshold_is_tuned_for_accuracy():
    scores = np.array([0.9, 0.8, 0.35, 0.3, 0.2, 0.1])
    y = np.array([1, 1, 1, 1, 0, 0], dtype=float)
    t = fit.best_threshold(scores, y)
    assert 0.2 < t <= 0.3  # 0.5 would get 4/6, the tuned cut gets 6/6
    assert ((scores >= t) == (y == 1)).all()
