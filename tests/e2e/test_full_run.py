"""End to end over HTTP against a real moto server: a complete student, the read-only promise
proven on the server's side, the account unchanged byte for byte, and the API-call budget."""

from __future__ import annotations

import json

from grader.aws.guard import is_read_operation
from grader.demo.scenario import Scenario, account_session
from tests.reliability.helpers import recorded_operations

ACCOUNT_ITEMS_OK = {"pass", "warn", "manual"}


def test_complete_student_account_items_pass(build, grade):
    report = grade(build(Scenario()), regions=None)  # regions: the rubric's "all"
    account_items = [i for i in report.items if i.category not in ("Notebooks", "Reproduction")]
    bad = {i.id: (i.status.value, i.message) for i in account_items if i.status.value not in ACCOUNT_ITEMS_OK}
    assert bad == {}
    assert {i.id: i.status.value for i in report.items if i.category == "Notebooks"} == dict.fromkeys(
        ["nb-rainfall-executed", "nb-rainfall-metrics", "nb-credit-executed", "nb-credit-accuracy",
         "nb-credit-workflow", "nb-evidence-link"], "skip")
    assert report.status == "pass"


def test_api_call_budget_with_all_regions(build, grade):
    built = build(Scenario())
    report = grade(built, regions=None)
    scanned = 34  # moto enables every offered SageMaker region
    assert report.stats["api_calls"] <= 60 + 5 * scanned, report.stats["operations"]


def test_read_only_proven_by_the_server(build, grade, recorder):
    built = build(Scenario(endpoints_left=("us-west-2",), configs_left=("us-east-2",),
                           notebook_instance_running="us-east-2"))
    recorder.start_recording()
    report = grade(built, regions=("us-east-2", "us-west-2", "ca-central-1"))
    recorder.stop_recording()
    ops = recorded_operations(recorder)
    assert len(ops) >= report.stats["api_calls"] > 20
    writes = [op for op in ops if not is_read_operation(op[0].lower(), op[1])]
    assert writes == []
    assert any(op[1] == "ListUsers" for op in ops) and any(op[1] == "ListEndpoints" for op in ops)


def snapshot(moto_url: str, account_id: str) -> bytes:
    """Everything the lesson creates, read by an independent client (not the grader's)."""
    s = account_session(moto_url, account_id)
    iam = s.client("iam", region_name="us-east-1", endpoint_url=moto_url)
    s3 = s.client("s3", region_name="us-east-1", endpoint_url=moto_url)
    state: dict = {"users": {}, "groups": {}, "buckets": {}, "sagemaker": {}}
    for u in iam.list_users()["Users"]:
        name = u["UserName"]
        state["users"][name] = {
            "groups": [g["GroupName"] for g in iam.list_groups_for_user(UserName=name)["Groups"]],
            "policies": iam.list_attached_user_policies(UserName=name)["AttachedPolicies"],
            "keys": [(k["AccessKeyId"], k["Status"]) for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]],
        }
    for g in iam.list_groups()["Groups"]:
        state["groups"][g["GroupName"]] = iam.list_attached_group_policies(GroupName=g["GroupName"])["AttachedPolicies"]
    for b in s3.list_buckets()["Buckets"]:
        name = b["Name"]
        objs = s3.list_objects_v2(Bucket=name).get("Contents", [])
        state["buckets"][name] = {
            "objects": [(o["Key"], o["ETag"], o["Size"], s3.get_object_acl(Bucket=name, Key=o["Key"])["Grants"])
                        for o in objs],
            "acl": s3.get_bucket_acl(Bucket=name)["Grants"],
            "pab": s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"],
        }
    for region in ("us-east-2", "us-west-2"):
        sm = s.client("sagemaker", region_name=region, endpoint_url=moto_url)
        state["sagemaker"][region] = {
            "jobs": [(j["TrainingJobName"], j["TrainingJobStatus"]) for j in sm.list_training_jobs()["TrainingJobSummaries"]],
            "endpoints": [(e["EndpointName"], e["EndpointStatus"]) for e in sm.list_endpoints()["Endpoints"]],
            "configs": [c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"]],
        }
    return json.dumps(state, sort_keys=True, default=str).encode()


def test_account_state_is_identical_before_and_after(build, grade, moto_url):
    built = build(Scenario(endpoints_left=("us-west-2",), private_object_public=True))
    before = snapshot(moto_url, built.account_id)
    grade(built, regions=("us-east-2", "us-west-2", "ca-central-1"))
    assert snapshot(moto_url, built.account_id) == before
