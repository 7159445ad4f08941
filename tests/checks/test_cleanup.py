"""Clean-up items against synthetic accounts on a real moto server (over HTTP), plus in-process moto.

moto cannot express some states, so tests set them as moto-notes shows: a job `InProgress` or an
endpoint `Deleting` by setting moto's backend state directly (the server shares the test's
backends); a region's listing failing with a botocore `before-send` handler; running Studio apps
with botocore's Stubber (moto does not implement ListApps: HTTP 500 on the server,
NotImplementedError in-process, both tested as such).
"""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber

import checks.cleanup
from checks import get_check
from grader.aws.session import AwsAccess, AwsTarget
from grader.demo.scenario import Scenario
from grader.engine import run_check
from grader.registry import Params
from tests.checks.helpers import account_context
from tests.checks.test_sagemaker import ALL_ITEMS, access_for, deny, statuses
from tests.conftest import item
from tests.faults import Faults

ROLE = "arn:aws:iam::123456789012:role/x"


def others_pass(report, *changed):
    got = {k: v for k, v in statuses(report).items() if k not in changed}
    assert set(got.values()) == {"pass"}, got


def backend(built, region):
    from moto.sagemaker.models import sagemaker_backends

    return sagemaker_backends[built.account_id][region]


# -- endpoints and configs ---------------------------------------------------------------------------
def test_endpoint_left_in_another_region_fails_and_is_listed(build, grade):
    built = build(Scenario(endpoints_left=("us-west-2",)))
    report = grade(built)
    res = item(report, "cleanup-endpoints")
    assert res.status == "fail" and res.points.earned == 0
    [endpoint] = res.evidence["endpoints"]
    assert endpoint["region"] == "us-west-2" and endpoint["status"] == "InService"
    assert endpoint["instance_types"] == ["ml.t2.medium"]
    assert endpoint["created"] and endpoint["endpoint"].startswith("linear-learner-left-0-")
    assert "us-west-2" in res.message and "step 10" in res.remediation.lower()
    assert item(report, "cleanup-endpoint-configs").status == "fail"  # its config is left too
    others_pass(report, "cleanup-endpoints", "cleanup-endpoint-configs")


def test_endpoint_config_left_fails_and_is_listed(build, grade):
    report = grade(build(Scenario(configs_left=("us-east-2",))))
    res = item(report, "cleanup-endpoint-configs")
    assert res.status == "fail"
    [config] = res.evidence["endpoint_configs"]
    assert config["region"] == "us-east-2" and config["endpoint_config"].startswith("linear-learner-cfg-0-")
    assert config["created"]
    others_pass(report, "cleanup-endpoint-configs")


def test_deleting_endpoint_counts_as_deleted(build, grade):
    built = build(Scenario(endpoints_left=("us-west-2",)))
    for endpoint in backend(built, "us-west-2").endpoints.values():
        endpoint.endpoint_status = "Deleting"
    res = item(grade(built), "cleanup-endpoints")
    assert res.status == "pass"
    assert len(res.evidence["deleting_counted_as_deleted"]) == 1


def test_instance_type_lookups_are_bounded(build, grade, monkeypatch):
    monkeypatch.setattr(checks.cleanup, "MAX_ENDPOINTS_DESCRIBED", 1)
    report = grade(build(Scenario(endpoints_left=("us-east-2", "us-west-2"))))
    listed = item(report, "cleanup-endpoints").evidence["endpoints"]
    assert [e["instance_types"] for e in listed] == [["ml.t2.medium"], None]
    assert "not looked up" in listed[1]["instance_types_unknown"]
    assert report.stats["operations"]["sagemaker:DescribeEndpoint"] == 1


def test_endpoint_listing_denied_is_error_unless_a_leftover_is_found(build, grade, moto_url):
    built = build(Scenario())
    access = access_for(built, moto_url)
    deny(access, "us-west-2", "ListEndpoints")
    res = item(grade(built, access=access), "cleanup-endpoints")
    assert res.status == "error"
    assert "us-west-2" in res.message and "access denied" in res.message
    assert res.evidence["could_not_read"] == {"endpoints in us-west-2": res.evidence["regions_unreadable"][
        "endpoints in us-west-2"]}

    built = build(Scenario(endpoints_left=("us-east-2",)))
    access = access_for(built, moto_url)
    deny(access, "us-west-2", "ListEndpoints")
    res = item(grade(built, access=access), "cleanup-endpoints")
    assert res.status == "fail"  # a leftover endpoint is a verdict whatever us-west-2 holds
    assert "endpoints in us-west-2" in res.evidence["regions_unreadable"]


# -- cost leaks ------------------------------------------------------------------------------------
def test_running_notebook_instance_is_a_warning_with_full_points(build, grade):
    report = grade(build(Scenario(notebook_instance_running="us-west-2")))
    res = item(report, "cleanup-cost-leaks")
    assert res.status == "warn" and res.points.earned == res.points.possible == 2
    [nb] = res.evidence["notebook_instances"]
    assert nb["region"] == "us-west-2" and nb["instance_type"] == "ml.t2.medium" and nb["status"] == "InService"
    assert "1 notebook instances" in res.message
    others_pass(report, "cleanup-cost-leaks")


def test_training_job_in_progress_is_a_warning(build, grade):
    built = build(Scenario())
    name = built.scenario.job_name("credit")
    backend(built, "us-east-2").training_jobs[name].training_job_status = "InProgress"
    report = grade(built)
    res = item(report, "cleanup-cost-leaks")
    assert res.status == "warn"
    assert [j["name"] for j in res.evidence["training_jobs"]] == [name]
    assert item(report, "sagemaker-credit-training").status == "fail"  # not Completed: does not count
    assert report.stats["operations"]["sagemaker:DescribeTrainingJob"] == 1  # only Completed jobs described


def test_list_apps_unavailable_on_the_server_is_not_checked_and_bounded(build, grade, moto_url):
    """moto's server answers ListApps with HTTP 500: Studio apps are 'not checked' (warn, full
    points), the rest still counts, and the call is tried twice, not five times."""
    built = build(Scenario(studio_domain="us-east-2"))
    access = access_for(built, moto_url)
    attempts = []
    apps_client = access.client("sagemaker", "us-east-2", operation="ListApps")  # the client ListApps uses
    apps_client.meta.events.register("before-send.sagemaker.ListApps", lambda **_: attempts.append(1))
    report = grade(built, access=access)
    res = item(report, "cleanup-cost-leaks")
    assert res.status == "warn" and res.points.earned == 2
    assert "Studio apps were not checked" in res.message
    assert "HTTP 500" in res.evidence["not_checked"]["Studio apps in us-east-2"]
    assert res.evidence["studio_domain_regions"] == ["us-east-2"]
    assert len(attempts) == 2
    assert report.stats["operations"]["sagemaker:ListApps"] == 1  # only where a domain exists
    others_pass(report, "cleanup-cost-leaks")


def test_notebook_listing_denied_is_error_and_domains_denied_is_not_checked(build, grade, moto_url):
    built = build(Scenario())
    access = access_for(built, moto_url)
    deny(access, "ca-central-1", "ListNotebookInstances")
    res = item(grade(built, access=access), "cleanup-cost-leaks")
    assert res.status == "error" and "notebook instances in ca-central-1" in res.evidence["could_not_read"]

    built = build(Scenario())
    access = access_for(built, moto_url)
    deny(access, "ca-central-1", "ListDomains")
    res = item(grade(built, access=access), "cleanup-cost-leaks")
    assert res.status == "warn" and "Studio domains in ca-central-1" in res.evidence["not_checked"]


def test_studio_reads_failing_transiently_are_error_not_not_checked(build, grade, moto_url):
    """Throttled past retries or timed out is no answer from the Studio APIs (unlike denied or not
    implemented): the item is `error`, never a `warn` that tells the student to shut apps down."""
    built = build(Scenario())
    access = access_for(built, moto_url, max_attempts=1)
    Faults(access).throttle("sagemaker", "ListDomains")
    res = item(grade(built, access=access), "cleanup-cost-leaks")
    assert res.status == "error", res.message
    assert all("throttled past retries" in why for why in res.evidence["could_not_read"].values())
    assert "Studio domains in ca-central-1" in res.evidence["could_not_read"]

    built = build(Scenario(studio_domain="us-east-2"))
    access = access_for(built, moto_url, max_attempts=1)
    Faults(access).timeout("sagemaker", "ListApps", kind="read")
    res = item(grade(built, access=access), "cleanup-cost-leaks")
    assert res.status == "error", res.message
    assert "timed out" in res.evidence["could_not_read"]["Studio apps in us-east-2"]


@pytest.fixture
def in_process_ctx(in_process):
    """A Context over in-process moto, with a Studio domain in us-east-2."""
    boto3.client("sagemaker", region_name="us-east-2").create_domain(
        DomainName="studio", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": ROLE}, SubnetIds=["s"], VpcId="v")
    return account_context(AwsAccess(AwsTarget()), regions=["us-east-2"])


def cost_leaks(ctx):
    return run_check(get_check("cleanup-cost-leaks"), ctx, Params())


def test_list_apps_not_implemented_in_process_is_not_checked(in_process_ctx):
    res = cost_leaks(in_process_ctx)
    assert res.status == "warn"
    assert "does not implement" in res.evidence["not_checked"]["Studio apps in us-east-2"]


def test_running_studio_apps_other_than_the_default_jupyter_server(in_process_ctx):
    """ListApps answers through botocore's Stubber (moto does not implement it)."""
    client = in_process_ctx.account.access.client("sagemaker", "us-east-2", operation="ListApps")
    t = datetime(2026, 11, 28, tzinfo=UTC)
    base = {"DomainId": "d-studio", "UserProfileName": "student", "CreationTime": t}
    with Stubber(client) as stub:
        stub.add_response("list_apps", {"Apps": [
            {**base, "AppType": "JupyterServer", "AppName": "default", "Status": "InService"},
            {**base, "AppType": "KernelGateway", "AppName": "datascience-1-0-ml-t3-medium", "Status": "InService"},
            {**base, "AppType": "KernelGateway", "AppName": "old", "Status": "Deleted"},
        ]})
        res = cost_leaks(in_process_ctx)
    assert res.status == "warn"
    assert [a["app"] for a in res.evidence["studio_apps"]] == ["datascience-1-0-ml-t3-medium"]
    assert "not_checked" not in res.evidence


def test_only_default_jupyter_server_running_passes(in_process_ctx):
    client = in_process_ctx.account.access.client("sagemaker", "us-east-2", operation="ListApps")
    with Stubber(client) as stub:
        stub.add_response("list_apps", {"Apps": [{"DomainId": "d-studio", "UserProfileName": "student",
                                                  "AppType": "JupyterServer", "AppName": "default",
                                                  "Status": "InService"}]})
        res = cost_leaks(in_process_ctx)
    assert res.status == "pass", res.message


def test_every_item_declares_the_permissions_its_facts_need():
    perms = {i: set(get_check(i).permissions) for i in ALL_ITEMS}
    assert {"sagemaker:ListTrainingJobs", "sagemaker:DescribeTrainingJob", "s3:GetObject"} <= perms[
        "sagemaker-rainfall-training"]
    assert {"sagemaker:ListEndpoints", "sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig"} <= perms[
        "cleanup-endpoints"]
    assert {"sagemaker:ListNotebookInstances", "sagemaker:ListDomains", "sagemaker:ListApps",
            "sagemaker:ListTrainingJobs"} <= perms["cleanup-cost-leaks"]
    assert all("ec2:DescribeRegions" in p for i, p in perms.items() if i != "sagemaker-rainfall-data")


def test_regions_not_enabled_are_skipped_and_named(in_process):
    """DescribeRegions (Stubber: moto enables every region) lists two regions: the others offered
    are skipped, named in evidence, and not an error."""
    ctx = account_context(AwsAccess(AwsTarget()), regions="all")
    ec2 = ctx.account.access.client("ec2", "us-east-1")
    with Stubber(ec2) as stub:
        stub.add_response("describe_regions", {"Regions": [{"RegionName": "us-east-1"}, {"RegionName": "us-east-2"}]})
        res = run_check(get_check("cleanup-endpoints"), ctx, Params())
    assert res.status == "pass"
    assert res.evidence["regions_scanned"] == ["us-east-1", "us-east-2"]
    assert "ap-east-1" in res.evidence["regions_skipped_not_enabled"]
    assert "regions_unreadable" not in res.evidence
