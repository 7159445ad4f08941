"""The engine under faults: errors are a status, other items are still graded, retries absorb
transient throttling. Faults are injected with botocore `before-send` hooks (tests/faults.py)."""

from __future__ import annotations

from grader.aws.session import AwsAccess, AwsTarget
from grader.demo.scenario import Scenario
from tests.conftest import item
from tests.faults import Faults

IAM = ["iam-admin-user", "iam-admin-group-policy", "iam-admin-console-access", "iam-admin-programmatic-access",
       "iam-root-hygiene"]


def access_for(built, moto_url, **kw):
    return AwsAccess(AwsTarget(role_arn=built.role_arn, external_id="ext-123", endpoint_url=moto_url), **kw)


def test_access_denied_on_one_operation_errors_only_its_item(build, grade, moto_url):
    built = build(Scenario())
    access = access_for(built, moto_url)
    Faults(access).deny("iam", "ListAccessKeys")
    report = grade(built, access=access)
    res = item(report, "iam-admin-programmatic-access")
    assert res.status == "error"
    assert "access denied" in res.message and "person must look" in res.message
    assert res.points.earned == 0 and res.points.possible == 4
    assert res.evidence["code"] == "AccessDenied"
    assert {i: item(report, i).status.value for i in IAM if i != res.id} == dict.fromkeys(
        [i for i in IAM if i != res.id], "pass")
    assert report.status == "fail"


def test_throttling_absorbed_by_retries(build, grade, moto_url):
    built = build(Scenario())
    access = access_for(built, moto_url)
    faults = Faults(access)
    faults.throttle("iam", "ListUsers", times=2)
    faults.throttle("iam", "GetAccountSummary", times=3)
    report = grade(built, access=access)
    assert faults.injected == 5
    assert {i: item(report, i).status.value for i in IAM} == dict.fromkeys(IAM, "pass")


def test_throttling_past_retries_is_an_error_not_a_fail(build, grade, moto_url):
    built = build(Scenario())
    access = access_for(built, moto_url, max_attempts=3)
    Faults(access).throttle("iam", "ListUsers")
    report = grade(built, access=access)
    for item_id in ["iam-admin-user", "iam-admin-group-policy", "iam-admin-console-access"]:
        res = item(report, item_id)
        assert res.status == "error"
        assert "throttled past retries" in res.message
    assert item(report, "iam-root-hygiene").status == "pass"  # does not need ListUsers


def test_unreachable_service_mid_run_is_an_error(build, grade, moto_url):
    built = build(Scenario())
    access = access_for(built, moto_url, max_attempts=2)
    Faults(access).fail("iam", "GetAccountSummary", "InternalError", 500)
    report = grade(built, access=access)
    res = item(report, "iam-root-hygiene")
    assert res.status == "error" and "HTTP 500" in res.message


def test_failing_check_does_not_sink_the_others(build, grade, moto_url, tmp_path, monkeypatch):
    """A bug in one check (here: a check that raises) is that item's error; others graded."""
    from grader.registry import REGISTRY, check
    from grader.rubric import load_rubric

    @check("test-broken", title="broken", category="IAM", remediation="-", permissions=["iam:ListUsers"])
    def broken(ctx, params):
        raise KeyError("boom")

    try:
        path = tmp_path / "r.yaml"
        path.write_text("id: t\ntitle: t\nversion: 1\nitems:\n  - {id: test-broken, points: 1}\n"
                        "  - {id: iam-admin-user, points: 1}\n")
        report = grade(build(Scenario()), rubric=load_rubric(str(path)))
    finally:
        REGISTRY.pop("test-broken")
    res = item(report, "test-broken")
    assert res.status == "error" and "Internal error" in res.message
    assert "KeyError" in res.evidence["internal_error"]
    assert item(report, "iam-admin-user").status == "pass"


def test_no_notebooks_means_skip_with_reason(build, grade):
    report = grade(build(Scenario()))
    res = item(report, "nb-credit-accuracy")
    assert res.status == "skip" and "no notebooks were given" in res.message
    assert res.points.possible == 0
