"""Fault injection over HTTP against a real moto server, with botocore `before-send` hooks
(tests/faults.py): throttling that retries absorb, on each wire protocol (IAM's query protocol,
S3's REST with `SlowDown`/503, SageMaker's JSON); faults past retries; AccessDenied on one
operation; connection and read timeouts; HTTP 500 and moto's unimplemented ListApps.

The rule every test checks: an injected fault either changes nothing (retries absorbed it) or
turns exactly the items that needed the failed call into `error`, whose message names the reason
and says a person must look; every other item keeps its fault-free verdict. A fault is never a
`fail`, a `partial` or a silent `pass`.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import EndpointConnectionError

from grader.aws.calls import aws_call
from grader.classreport import build_class_report
from grader.demo.scenario import Scenario
from grader.engine import GradeRequest, grade_student
from grader.errors import FactError
from grader.models import StudentInfo
from grader.rubric import load_rubric
from tests.conftest import item
from tests.faults import Faults, own_events
from tests.reliability.helpers import REGIONS, verdicts, write_notebooks

IAM_USER_ITEMS = {"iam-admin-user", "iam-admin-group-policy", "iam-admin-console-access",
                  "iam-admin-programmatic-access"}
S3_ITEMS = {"s3-private-bucket", "s3-private-object", "s3-public-bucket", "s3-public-object"}
TRAINING_ITEMS = {"sagemaker-rainfall-training", "sagemaker-credit-training"}


@pytest.fixture(scope="module")
def student(build_once, tmp_path_factory):
    """A complete student with notebooks, and the fault-free verdicts of that student."""
    built = build_once(Scenario(endpoints_left=("us-west-2",)))
    notebooks = write_notebooks(tmp_path_factory.mktemp("nb"), built)
    return built, notebooks


@pytest.fixture(scope="module")
def baseline(student, moto_url):
    built, notebooks = student
    report = _grade(moto_url, built, notebooks)
    assert report.status == "fail"  # the endpoint left in us-west-2, and nothing else
    assert {i: v for i, v in verdicts(report).items() if v[0] not in ("pass", "manual", "skip")} == {
        "cleanup-endpoints": ("fail", 0.0), "cleanup-endpoint-configs": ("fail", 0.0)}
    return verdicts(report)


def _grade(moto_url, built, notebooks, access=None):
    from grader.aws.session import AwsTarget

    target = AwsTarget(role_arn=built.role_arn, external_id="ext-123", endpoint_url=moto_url)
    request = GradeRequest(student=StudentInfo(id="s1"), target=target, notebooks=notebooks, regions=list(REGIONS))
    return grade_student(request, load_rubric(), access=access)


def assert_faults_are_errors(report, baseline, reason: str, must_error: set[str]) -> set[str]:
    """Every item whose verdict changed is `error` giving `reason` (message or evidence) and asking
    for a person; every
    item in `must_error` changed; returns the changed ids."""
    changed = {i for i, v in verdicts(report).items() if v != baseline[i]}
    for item_id in changed:
        res = item(report, item_id)
        assert res.status == "error", (item_id, res.status, res.message)
        assert res.points.earned == 0
        assert reason in res.message + json.dumps(res.evidence), (item_id, res.message, res.evidence)
        assert "a person must look" in res.message.lower(), (item_id, res.message)
        assert res.remediation, item_id
    assert must_error <= changed, must_error - changed
    assert report.status == "fail"
    return changed


# -- throttling absorbed by retries -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("service", "operation", "code", "status"),
    [
        ("iam", "ListUsers", "Throttling", 400),  # query protocol
        ("iam", "GetAccountSummary", "Throttling", 400),
        ("sts", "GetCallerIdentity", "Throttling", 400),
        ("s3", "ListBuckets", "SlowDown", 503),  # REST: S3's own throttling code
        ("s3", "GetBucketAcl", "ServiceUnavailable", 503),  # REST: a bare 503
        ("s3", "GetObject", "SlowDown", 503),  # the training data and the anonymous probe
        ("sagemaker", "ListTrainingJobs", "ThrottlingException", 400),  # JSON protocol
        ("sagemaker", "ListEndpoints", "ThrottlingException", 400),
        ("sagemaker", "DescribeTrainingJob", "InternalFailure", 500),  # a transient HTTP 500
    ],
)
def test_transient_faults_are_absorbed_by_retries(student, baseline, access_for, moto_url, service, operation, code,
                                                 status):
    """Five failures in a row (botocore's default retries in AwsAccess) change no verdict."""
    built, notebooks = student
    access = access_for(built)
    faults = Faults(access)
    faults.fail(service, operation, code, status, times=5)
    report = _grade(moto_url, built, notebooks, access)
    assert faults.injected == 5
    assert verdicts(report) == baseline


# -- faults past retries ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("service", "operation", "must_error"),
    [
        ("iam", "ListUsers", IAM_USER_ITEMS),
        ("s3", "ListBuckets", S3_ITEMS | {"nb-evidence-link"}),
        ("s3", "GetBucketAcl", {"s3-private-bucket"}),
        ("sagemaker", "ListTrainingJobs", TRAINING_ITEMS | {"cleanup-cost-leaks"}),
        ("sagemaker", "ListEndpoints", {"cleanup-endpoints"}),  # the leftover endpoint cannot be seen
    ],
)
def test_throttling_past_retries_is_an_error_on_the_items_that_need_the_call(
        student, baseline, access_for, moto_url, service, operation, must_error):
    built, notebooks = student
    access = access_for(built, max_attempts=2)
    Faults(access).throttle(service, operation)
    report = _grade(moto_url, built, notebooks, access)
    changed = assert_faults_are_errors(report, baseline, "throttled past retries", must_error)
    untouched = {"iam-root-hygiene", "nb-credit-accuracy"} if service != "iam" else {"s3-public-object"}
    assert not changed & untouched


# -- access denied on one operation -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("service", "operation", "must_error"),
    [
        ("iam", "ListAccessKeys", {"iam-admin-programmatic-access"}),
        ("iam", "GetLoginProfile", {"iam-admin-console-access"}),
        ("s3", "GetObjectAcl", {"s3-public-object"}),  # the private bucket's ACLs are disabled: not asked
        ("s3", "GetPublicAccessBlock", {"s3-private-bucket", "s3-public-bucket"}),
        ("sagemaker", "DescribeTrainingJob", TRAINING_ITEMS),
        ("sagemaker", "ListNotebookInstances", {"cleanup-cost-leaks"}),
    ],
)
def test_access_denied_on_one_operation(student, baseline, access_for, moto_url, service, operation, must_error):
    """Only the items that need the denied call become `error` (with the reason), the rest are
    graded, and the class report lists the student under "needs a person"."""
    built, notebooks = student
    access = access_for(built)
    Faults(access).deny(service, operation)
    report = _grade(moto_url, built, notebooks, access)
    changed = assert_faults_are_errors(report, baseline, "access denied", must_error)
    assert len(changed) <= 8, changed  # one call, a few items: never the whole report
    assert all(item(report, i).evidence.get("code") in ("AccessDenied", "AccessDeniedException")
               or "AccessDenied" in str(item(report, i).evidence) for i in changed)
    person = build_class_report(load_rubric().info(), [report.to_dict()])["stats"]["needs_person"]
    assert [(p["student"], sorted(p["items"])) for p in person] == [("s1", sorted(changed))]


# -- timeouts and an unreachable region ---------------------------------------------------------------
def test_connect_timeouts_are_retried(student, baseline, access_for, moto_url):
    built, notebooks = student
    access = access_for(built)
    faults = Faults(access)
    faults.timeout("iam", "GetAccountSummary", "connect", times=3)
    faults.timeout("s3", "ListObjectsV2", "read", times=3)
    faults.timeout("sagemaker", "ListEndpointConfigs", "read", times=3)
    report = _grade(moto_url, built, notebooks, access)
    assert faults.injected == 9
    assert verdicts(report) == baseline


@pytest.mark.parametrize(("service", "operation", "kind", "must_error"), [
    ("iam", "GetAccountSummary", "connect", {"iam-root-hygiene"}),
    ("s3", "ListBuckets", "read", S3_ITEMS),
    ("sagemaker", "ListEndpointConfigs", "connect", {"cleanup-endpoint-configs"}),
])
def test_timeouts_past_retries_are_errors(student, baseline, access_for, moto_url, service, operation, kind,
                                          must_error):
    built, notebooks = student
    access = access_for(built, max_attempts=1)
    Faults(access).timeout(service, operation, kind)
    report = _grade(moto_url, built, notebooks, access)
    changed = assert_faults_are_errors(report, baseline, "timed out", must_error)
    assert "nb-credit-accuracy" not in changed


def test_one_unreachable_region_is_named(student, baseline, access_for, moto_url):
    """SageMaker in us-west-2 cannot be reached: the clean-up items cannot say "nothing left"
    there; the leftover endpoint lives there, so they are `error` naming the region."""
    built, notebooks = student
    access = access_for(built, max_attempts=1)

    def unreachable(request, **_):
        if "us-west-2" in request.url or "us-west-2" in str(request.headers.get("Authorization", b"")):
            raise EndpointConnectionError(endpoint_url=request.url)

    own_events(access).register_first("before-send.sagemaker", unreachable)
    report = _grade(moto_url, built, notebooks, access)
    changed = assert_faults_are_errors(report, baseline, "could not be reached",
                                       {"cleanup-endpoints", "cleanup-endpoint-configs"})
    assert "us-west-2" in item(report, "cleanup-endpoints").message
    assert changed <= {"cleanup-endpoints", "cleanup-endpoint-configs", "cleanup-cost-leaks",
                       "sagemaker-rainfall-training", "sagemaker-credit-training", "nb-evidence-link"}


def test_identity_unreachable_is_a_student_error_not_a_crash(student, access_for, moto_url):
    """STS answers nothing: the student cannot be graded at all; the report says why (batch) and
    `check` exits 3 (raise_access_errors)."""
    built, notebooks = student
    access = access_for(built, max_attempts=1)
    Faults(access).timeout("sts", "GetCallerIdentity", "connect")
    from grader.aws.facts import AccountFacts
    from grader.errors import AccessError

    with pytest.raises(AccessError, match="cannot reach the AWS account: the service timed out"):
        AccountFacts(access)


def test_unreachable_identity_in_a_graded_run(student, moto_url, monkeypatch):
    """The same fault through grade_student: status `error`, a message, no items, no exception."""
    built, notebooks = student
    from grader.aws import session as session_mod

    original = session_mod.AwsAccess.__init__

    def broken_init(self, target, **kw):
        original(self, target, **{**kw, "max_attempts": 1})
        Faults(self).fail("sts", "GetCallerIdentity", "Throttling", 400)

    monkeypatch.setattr(session_mod.AwsAccess, "__init__", broken_init)
    report = _grade(moto_url, built, notebooks)
    assert report.status == "error" and report.items == []
    assert "throttled past retries" in report.message


# -- HTTP 500 and unimplemented APIs ---------------------------------------------------------------------
def test_http_500_past_retries(student, baseline, access_for, moto_url):
    built, notebooks = student
    access = access_for(built, max_attempts=2)
    Faults(access).fail("sagemaker", "DescribeTrainingJob", "InternalFailure", 500)
    report = _grade(moto_url, built, notebooks, access)
    assert_faults_are_errors(report, baseline, "HTTP 500", TRAINING_ITEMS)


def test_moto_unimplemented_list_apps_is_reported_not_hidden(build_once, access_for, moto_url, tmp_path):
    """moto answers ListApps with HTTP 500 (not implemented). With a Studio domain in the account,
    the cost-leak item says Studio apps were not checked and why; it is not a silent pass, and
    nothing else changes."""
    built = build_once(Scenario(studio_domain="us-east-2"))
    notebooks = write_notebooks(tmp_path / "nb", built)
    access = access_for(built)
    report = _grade(moto_url, built, notebooks, access)
    res = item(report, "cleanup-cost-leaks")
    assert res.status == "warn" and res.points.earned == res.points.possible
    assert "Studio apps were not checked" in res.message
    assert "HTTP 500" in str(res.evidence["not_checked"])
    assert access.operations[("sagemaker", "ListApps")] == 1  # asked once, not retried for minutes
    others = {i: v for i, v in verdicts(report).items() if i != "cleanup-cost-leaks" and not i.endswith("-reproduced")}
    assert {v[0] for v in others.values()} <= {"pass", "manual"}


def test_not_implemented_in_process_is_a_fact_error():
    """In-process moto raises Python's NotImplementedError for ListApps: a FactError too."""

    def list_apps():
        raise NotImplementedError("The list_apps action has not been implemented")

    with pytest.raises(FactError) as exc:
        aws_call("Studio apps in us-east-2", list_apps)
    assert exc.value.code == "NotImplemented" and "does not implement" in exc.value.reason
