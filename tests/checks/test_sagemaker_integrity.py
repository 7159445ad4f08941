"""Issue 14, SageMaker: the built-in image is AWS's published registry for the region, and a
student with many re-runs of one notebook still has the other notebook's job found."""

from __future__ import annotations

import pytest

from grader.demo.scenario import ROLE, Scenario, account_session
from grader.facts.builtin_images import LINEAR_LEARNER_REGISTRIES
from grader.facts.jobs import MAX_JOBS_DESCRIBED, is_builtin_linear_learner
from tests.checks.test_s3 import context, run


@pytest.mark.parametrize(("image", "region", "builtin"), [
    ("404615174143.dkr.ecr.us-east-2.amazonaws.com/linear-learner:1", "us-east-2", True),
    ("382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:latest", "us-east-1", True),
    ("999999999999.dkr.ecr.us-east-2.amazonaws.com/linear-learner:latest", "us-east-2", False),  # anyone's ECR
    ("382416733822.dkr.ecr.us-east-2.amazonaws.com/linear-learner:1", "us-east-2", False),  # another region's account
    ("404615174143.dkr.ecr.us-east-2.amazonaws.com/linear-learner:1", "us-west-2", False),  # not the job's region
    ("404615174143.dkr.ecr.xx-nowhere-1.amazonaws.com/linear-learner:1", "xx-nowhere-1", False),  # unknown region
    ("404615174143.dkr.ecr.us-east-2.amazonaws.com/linear-learner-x:1", "us-east-2", False),
])
def test_builtin_image_is_the_published_registry_of_the_region(image, region, builtin):
    assert is_builtin_linear_learner(image, "111122223333", region) is builtin


def test_the_registry_table_is_the_published_one():
    assert LINEAR_LEARNER_REGISTRIES["us-east-2"] == "404615174143"
    assert LINEAR_LEARNER_REGISTRIES["ca-central-1"] == "469771592824"
    assert all(len(a) == 12 and a.isdigit() for a in LINEAR_LEARNER_REGISTRIES.values())


def test_a_lookalike_image_in_another_account_fails_both_training_items(moto_url, build):
    fake = "999999999999.dkr.ecr.us-east-2.amazonaws.com/linear-learner:latest"
    built = build(Scenario(rainfall_image=fake))
    res = run(context(moto_url, built, regions=("us-east-2",)), "sagemaker-rainfall-training")
    assert res.status == "fail"


def _credit_job(sm, account, name, bucket):
    sm.create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": "404615174143.dkr.ecr.us-east-2.amazonaws.com/linear-learner:1",
                                "TrainingInputMode": "File"},
        RoleArn=ROLE.format(account=account),
        HyperParameters={"feature_dim": "37", "predictor_type": "binary_classifier"},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/credit/train"}}}],
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/credit-risk/output"},
        ResourceConfig={"InstanceType": "ml.m4.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )


def test_twenty_one_credit_reruns_do_not_hide_the_rainfall_job(moto_url, build):
    built = build(Scenario())
    sm = account_session(moto_url, built.account_id).client("sagemaker", region_name="us-east-2",
                                                              endpoint_url=moto_url)
    for i in range(21):
        _credit_job(sm, built.account_id, f"linear-learner-2099-01-01-00-00-{i:02d}-000", built.scenario.private_name)
    ctx = context(moto_url, built, regions=("us-east-2",))
    res = run(ctx, "sagemaker-rainfall-training")
    assert res.status == "pass", res.message
    assert run(ctx, "sagemaker-credit-training").status == "pass"
    analysis = ctx.account.job_analysis()
    assert len(analysis.jobs) <= MAX_JOBS_DESCRIBED
    assert 21 < len(analysis.jobs) + len(analysis.unreadable) <= 40  # two rounds, not all of them by default
