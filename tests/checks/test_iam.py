"""IAM checks against synthetic accounts on a real moto server (over HTTP)."""

from __future__ import annotations

import pytest

from grader.demo.scenario import Scenario
from tests.conftest import item

IAM_ITEMS = ["iam-admin-user", "iam-admin-group-policy", "iam-admin-console-access",
             "iam-admin-programmatic-access", "iam-root-hygiene"]


def statuses(report, ids=IAM_ITEMS):
    return {i: item(report, i).status.value for i in ids}


def test_complete_student_passes_every_iam_item(build, grade):
    report = grade(build(Scenario()))
    assert statuses(report) == dict.fromkeys(IAM_ITEMS, "pass")
    assert item(report, "iam-billing-access").status == "manual"


@pytest.mark.parametrize(
    ("scenario", "item_id", "status"),
    [
        (Scenario(admin_user=False), "iam-admin-user", "fail"),
        (Scenario(admin_via="user"), "iam-admin-group-policy", "partial"),
        (Scenario(admin_via="other-group"), "iam-admin-group-policy", "partial"),
        (Scenario(admin_via="none"), "iam-admin-group-policy", "fail"),
        (Scenario(password_reset_required=True), "iam-admin-console-access", "partial"),
        (Scenario(console_password=False), "iam-admin-console-access", "fail"),
        (Scenario(access_keys=("Inactive",)), "iam-admin-programmatic-access", "fail"),
        (Scenario(access_keys=()), "iam-admin-programmatic-access", "fail"),
        (Scenario(access_keys=("Active", "Active")), "iam-admin-programmatic-access", "warn"),
        (Scenario(root_mfa=False), "iam-root-hygiene", "warn"),
        (Scenario(root_access_keys=True), "iam-root-hygiene", "fail"),
    ],
)
def test_each_mistake_changes_only_its_item(build, grade, scenario, item_id, status):
    report = grade(build(scenario))
    got = statuses(report)
    assert got[item_id] == status
    others = {k: v for k, v in got.items() if k != item_id}
    if scenario.admin_user:
        assert set(others.values()) == {"pass"}, others


def test_user_name_is_case_insensitive(build, grade):
    report = grade(build(Scenario(admin_user_name="Administrator")))
    assert item(report, "iam-admin-user").status == "pass"
    assert item(report, "iam-admin-user").evidence["user"] == "Administrator"


def test_missing_user_lists_users_found(build, grade):
    report = grade(build(Scenario(admin_user=False)))
    res = item(report, "iam-admin-user")
    assert res.evidence["users_found"] == ["data-scientist"]
    assert res.remediation and "step 2" in res.remediation


def test_access_keys_are_masked(build, grade):
    report = grade(build(Scenario()))
    keys = item(report, "iam-admin-programmatic-access").evidence["keys"]
    assert keys and all(k["key"].startswith("*") and len(k["key"].strip("*")) == 4 for k in keys)
