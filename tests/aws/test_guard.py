"""The read-only guard: non-read operations are refused before anything is sent."""

from __future__ import annotations

import pytest

from grader.aws.guard import is_read_operation
from grader.aws.session import AwsAccess, AwsTarget
from grader.errors import ReadOnlyViolation


@pytest.mark.parametrize(
    ("service", "op", "ok"),
    [
        ("iam", "ListUsers", True),
        ("iam", "GetAccountSummary", True),
        ("s3", "HeadObject", True),
        ("sagemaker", "DescribeTrainingJob", True),
        ("sts", "AssumeRole", True),
        ("sts", "GetCallerIdentity", True),
        ("iam", "CreateUser", False),
        ("s3", "PutObject", False),
        ("s3", "DeleteObject", False),
        ("sagemaker", "DeleteEndpoint", False),
        ("sagemaker", "StopNotebookInstance", False),
        ("sts", "GetFederationToken", True),
        ("iam", "Listen", True),  # prefix rule: names are AWS's, which are CamelCase verbs
        ("iam", "getUser", False),
        ("s3", "RestoreObject", False),
        ("iam", "AssumeRole", False),  # only STS's AssumeRole is an access operation
    ],
)
def test_is_read_operation(service, op, ok):
    assert is_read_operation(service, op) is ok


class Sent(Exception):
    pass


def test_write_is_refused_before_it_is_sent(in_process):
    access = AwsAccess(AwsTarget())
    s3 = access.client("s3")
    sent = []

    def record(request, **_):
        sent.append(request.url)

    s3.meta.events.register_first("before-send", record)
    with pytest.raises(ReadOnlyViolation, match="s3:PutObject"):
        s3.put_object(Bucket="b", Key="k", Body=b"x")
    with pytest.raises(ReadOnlyViolation, match="s3:CreateBucket"):
        s3.create_bucket(Bucket="b")
    assert sent == []
    s3.list_buckets()  # reads go through
    assert len(sent) == 1
    assert access.operations[("s3", "ListBuckets")] == 1
    assert ("s3", "PutObject") not in access.operations


def test_every_client_is_guarded(in_process):
    access = AwsAccess(AwsTarget())
    for service, call in [("iam", lambda c: c.create_user(UserName="x")),
                          ("sagemaker", lambda c: c.delete_endpoint(EndpointName="x")),
                          ("ec2", lambda c: c.run_instances(ImageId="ami-1", MinCount=1, MaxCount=1))]:
        with pytest.raises(ReadOnlyViolation):
            call(access.client(service, "us-east-2"))
    with pytest.raises(ReadOnlyViolation):
        access.client("s3", "us-east-1", unsigned=True).put_object(Bucket="b", Key="k", Body=b"x")
    assert access.api_calls == 0


def test_guard_leaves_the_account_untouched(in_process):
    import boto3

    AwsAccess(AwsTarget())  # builds a session; no calls
    access = AwsAccess(AwsTarget())
    with pytest.raises(ReadOnlyViolation):
        access.client("iam").create_user(UserName="intruder")
    users = boto3.client("iam", region_name="us-east-1").list_users()["Users"]
    assert users == []
