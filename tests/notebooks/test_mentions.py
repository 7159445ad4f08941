"""grader.notebooks.mentions (through .facts): bucket and training-job names, with where they were found."""

from __future__ import annotations

import pytest

from grader.demo.notebook_factory import credit_notebook, rainfall_notebook, write_submission
from grader.notebooks import read_submission

from .helpers import code, credit, notebook, result, stderr, stdout, write


def buckets(nb):
    return {name: [str(p) for p in places] for name, places in nb.mentions.buckets.items()}


def jobs(nb):
    return list(nb.mentions.jobs)


@pytest.mark.parametrize(
    "source",
    [
        'bucket = "sm-models-20200330-1244"',
        "bucket='sm-models-20200330-1244'",
        'BUCKET_NAME = "sm-models-20200330-1244"',
        'my_s3_bucket = "sm-models-20200330-1244"',
        's3.upload_file("a.csv", Bucket="sm-models-20200330-1244", Key="a.csv")',
        'boto3.resource("s3").Bucket("sm-models-20200330-1244").Object("k").upload_fileobj(buf)',
        'output_path = "s3://sm-models-20200330-1244/output"',
        'data = "S3://sm-models-20200330-1244"',
    ],
)
def test_bucket_in_code(source):
    nb = credit(notebook(code(source)))
    assert buckets(nb) == {"sm-models-20200330-1244": ["credit-risk-classification.ipynb cell 1 (In [1]) code"]}


@pytest.mark.parametrize(
    "source",
    [
        'bucket = "sagemaker-bucket-name-here"',
        'bucket = "your-bucket-name"',
        'bucket = "<your bucket>"',
        '# bucket = "sm-models-old-1234"',
        'bucket = "My_Bucket"',
        'bucket = f"sm-models-{stamp}"',
        'path = "s3://{}/{}/train".format(bucket, prefix)',
        'df = pd.read_csv("s3://sagemaker-sample-files/datasets/tabular/uci_abalone/train.csv")',
        'bucket = "192.168.1.1"',
    ],
)
def test_not_a_student_bucket(source):
    assert buckets(credit(notebook(code(source)))) == {}


def test_buckets_in_outputs():
    nb = credit(notebook(
        code("print(s3_train_data)",
             stdout("Training data uploaded to: s3://sm-models-1/austin-rainfall-regression/train/linear_train.data\n")),
        code("sess.default_bucket()", result("'sagemaker-us-east-2-123456789012'")),
        code("url", result("'https://public-share-20200330-1326.s3.ca-central-1.amazonaws.com/happy.png'")),
        code("url2", result("'https://s3.us-east-2.amazonaws.com/path-style-bucket/key'")),
        code("log", stdout("\x1b[34ms3://colored-bucket\x1b[0m\n")),
    ))
    assert list(buckets(nb)) == ["sm-models-1", "sagemaker-us-east-2-123456789012", "public-share-20200330-1326",
                                 "path-style-bucket", "colored-bucket"]
    assert buckets(nb)["sm-models-1"] == ["credit-risk-classification.ipynb cell 1 (In [1]) output"]


@pytest.mark.parametrize(
    ("output", "job"),
    [
        (stderr("INFO:sagemaker:Creating training-job with name: linear-learner-2023-05-01-12-00-00-123\n"),
         "linear-learner-2023-05-01-12-00-00-123"),
        (result("{'TrainingJobName': 'my-credit-job-7', 'TrainingJobStatus': 'Completed'}"), "my-credit-job-7"),
        (stdout('{"TrainingJobName": "rain-2", "x": 1}\n'), "rain-2"),
        (stdout("Training job name: credit-risk-0001\n"), "credit-risk-0001"),
        (stdout("arn:aws:sagemaker:us-east-2:123456789012:training-job/linear-learner-2020-03-12-17-36-08-123\n"),
         "linear-learner-2020-03-12-17-36-08-123"),
        (stdout("2020-03-12 17:36:08 Starting - Starting the training job...\n"
                "linear-learner-2020-03-12-17-36-08-123/algo-1-1584034567\n"
                "2020-03-12 17:40:19 Completed - Training job completed\n"), "linear-learner-2020-03-12-17-36-08-123"),
    ],
)
def test_training_job_names(output, job):
    assert jobs(credit(notebook(code("linear.fit(data)", output)))) == [job]


def test_training_job_names_in_code():
    nb = credit(notebook(code("job_name = 'credit-risk-2020-1'\nest.fit(data, job_name=job_name)"),
                        code("est = Estimator.attach('rain-job-77')"),
                        code("sm.describe_training_job(TrainingJobName='described-3')")))
    assert jobs(nb) == ["credit-risk-2020-1", "rain-job-77", "described-3"]


def test_model_and_endpoint_names_are_not_jobs():
    nb = credit(notebook(code("predictor = linear.deploy(1, 'ml.t2.medium')", stderr(
        "INFO:sagemaker:Creating model with name: linear-learner-2020-03-12-17-45-01-456\n"
        "INFO:sagemaker:Creating endpoint-config with name linear-learner-2020-03-12-17-45-01-456\n"
        "INFO:sagemaker:Creating endpoint with name linear-learner-2020-03-12-17-45-01-456\n"), stdout("-----!")),
        code("x", stdout("Training job completed\nlinear-learner-2020-03-12-17-45-01-456 endpoint is up\n")),
        code("x", stdout("Training job: Completed\n"))))
    assert jobs(nb) == []


def test_default_names_outside_training_logs_are_not_jobs():
    nb = credit(notebook(code("print(name)", stdout("linear-learner-2020-03-12-17-36-08-123\n"))))
    assert jobs(nb) == []


def test_huge_log_is_read_at_both_ends():
    filler = "\x1b[34m[03/12/2020 17:39:36 INFO 1] #progress_metric: host=algo-1, completed 1 % of epochs\x1b[0m\n"
    text = ("INFO:sagemaker:Creating training-job with name: head-job-1\n"
            "2020-03-12 17:36:08 Starting - Starting the training job...\n" + filler * 6000
            + "s3://tail-bucket-1/output/model.tar.gz\n2020-03-12 17:40:19 Completed - Training job completed\n")
    nb = credit(notebook(code("linear.fit(x)", stdout(text))))
    assert jobs(nb) == ["head-job-1"] and list(buckets(nb)) == ["tail-bucket-1"]


def test_submission_merges_both_notebooks_first_seen_first(tmp_path):
    write_submission(tmp_path, rainfall=rainfall_notebook(bucket="sm-models-a1", job_name="rain-job-1"),
                     credit=credit_notebook(bucket="sm-models-a1", job_name="credit-job-2"))
    sub = read_submission(tmp_path)
    [bucket] = sub.bucket_mentions
    assert sub.mentioned_buckets == ("sm-models-a1",)
    assert bucket.name == "sm-models-a1"
    assert bucket.where.startswith("rainfall_forecast.ipynb cell ") and bucket.where.endswith(" code")
    assert {p.notebook for p in bucket.places} == {"rainfall_forecast.ipynb", "credit-risk-classification.ipynb"}
    assert sub.mentioned_jobs == ("rain-job-1", "credit-job-2")
    assert bucket.evidence()["name"] == "sm-models-a1" and len(bucket.evidence()["where"]) <= 5
    assert isinstance(sub.bucket_mentions, tuple)  # callers cannot change the facts others read
    assert sub.bucket_mentions[0] is sub.bucket_mentions[0]  # computed once


def test_unreadable_notebooks_mention_nothing(tmp_path):
    (tmp_path / "rainfall_forecast.ipynb").write_text('{"cells": [')
    write(tmp_path / "credit-risk-classification.ipynb", notebook(code('bucket = "only-credit-1"')))
    sub = read_submission(tmp_path)
    assert sub.mentioned_buckets == ("only-credit-1",)
    assert sub.mentioned_jobs == () and sub.job_mentions == ()
