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


# -- added by the reliability suite (issue 7) ----------------------------------------------------
GRADER_SERVICES = ("iam", "s3", "s3control", "sagemaker", "sts", "ec2")
READ_VERBS = ("Get", "List", "Describe", "Head")


def test_guard_over_every_operation_of_every_service_the_grader_uses():
    """Every operation botocore defines for the grader's services, through the guard's own hook:
    exactly the reads (the interface's list, restated here) pass; every other one is refused."""
    import botocore.session

    from grader.aws.guard import refuse_writes

    session = botocore.session.get_session()
    counted = {"allowed": 0, "refused": 0}
    for service in GRADER_SERVICES:
        model = session.get_service_model(service)
        for name in model.operation_names:
            op = model.operation_model(name)
            expected_read = name.startswith(READ_VERBS) or (service, name) in {("sts", "AssumeRole"),
                                                                             ("sts", "GetCallerIdentity")}
            if expected_read:
                refuse_writes(op)
                counted["allowed"] += 1
            else:
                with pytest.raises(ReadOnlyViolation, match=f"{service}:{name}"):
                    refuse_writes(op)
                counted["refused"] += 1
    assert counted["refused"] > 500 and counted["allowed"] > 300


def test_every_permission_a_check_declares_is_a_read():
    """The access policy is the union of the checks' permissions: reads only, no wildcards."""
    from checks import load_checks

    for spec in load_checks().values():
        for permission in spec.permissions:
            service, _, action = permission.partition(":")
            assert service and "*" not in permission, (spec.id, permission)
            assert action.startswith(READ_VERBS), (spec.id, permission)


def test_a_check_that_writes_stops_the_run_before_anything_is_sent(build, grade, tmp_path):
    """A (buggy) check that tries to write is not an item `error` swallowed by the engine: the
    ReadOnlyViolation stops grading (the CLI exits 3), and the request never leaves the process."""
    from grader.demo.scenario import Scenario
    from grader.registry import REGISTRY, check
    from grader.rubric import load_rubric

    sent = []

    @check("test-writes", title="writes", category="S3", remediation="-", permissions=["s3:ListAllMyBuckets"])
    def writes(ctx, params):
        s3 = ctx.account.access.client("s3")
        s3.meta.events.register_first("before-send", lambda request, **_: sent.append(request.url))
        s3.put_object(Bucket="anything", Key="k", Body=b"x")

    try:
        path = tmp_path / "r.yaml"
        path.write_text("id: t\ntitle: t\nversion: 1\nitems:\n  - {id: iam-admin-user, points: 1}\n"
                        "  - {id: test-writes, points: 1}\n")
        with pytest.raises(ReadOnlyViolation, match="s3:PutObject"):
            grade(build(Scenario()), rubric=load_rubric(str(path)))
    finally:
        REGISTRY.pop("test-writes")
    assert sent == []
