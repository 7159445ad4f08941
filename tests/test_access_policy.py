"""`grader access-policy`: the policy is computed from the checks' declared permissions, reads
only, and allows every AWS operation a grading run sends; the CloudFormation role template.

The coverage proof grades synthetic accounts on the real moto server with an `AwsAccess` that
counts every operation sent (`access.operations`), maps each to the IAM action that authorises
it (`iam_action_for`, explicit where the names differ, e.g. S3 `HeadObject` -> `s3:GetObject`)
and asserts the policy that `grader access-policy` prints allows it. Unsigned requests (the
anonymous probe of a public object) need no permission and are counted apart.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
import yaml

from checks import load_checks
from grader.access_policy import (
    ACTION_FOR_OPERATION,
    IDENTITY_ACTION,
    iam_action_for,
    is_read_action,
    policy_for,
)
from grader.aws.facts import AccountFacts
from grader.aws.regions import Regions
from grader.aws.session import AwsAccess, AwsTarget
from grader.cli import main
from grader.context import make_context
from grader.demo.scenario import Scenario
from grader.engine import load_notebooks, run_check
from grader.models import StudentInfo
from grader.registry import REGISTRY, CheckSpec, Params
from grader.rubric import load_rubric
from tests.test_self_check import write_lesson_notebooks

GRADER_ACCOUNT = "111122223333"
EXTERNAL_ID = "course-13.2:fall@2026/ta-1"


def cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def printed_policy(capsys):
    """The policy exactly as `grader access-policy --format json` prints it."""
    code, out, err = cli(capsys, "access-policy", "--format", "json")
    assert (code, err) == (0, "")
    return json.loads(out)


def allowed(policy) -> set[str]:
    (statement,) = policy["Statement"]
    return set(statement["Action"])


class RecordingAccess(AwsAccess):
    """AwsAccess that also counts, apart, the operations sent unsigned (anonymous requests).
    `offered`, when given, stands for the regions botocore says SageMaker is offered in (a run
    over "all" regions still asks EC2 which are enabled, at a fraction of the calls)."""

    def __init__(self, *args, offered: list[str] | None = None, **kwargs):
        self.unsigned_operations: Counter[tuple[str, str]] = Counter()
        self._tagged: set[int] = set()
        self._offered = offered
        super().__init__(*args, **kwargs)

    def offered_regions(self, service: str = "sagemaker") -> list[str]:
        return sorted(self._offered) if self._offered else super().offered_regions(service)

    def _record_unsigned(self, model, **_kwargs) -> None:
        with self._lock:
            self.unsigned_operations[(model.service_model.service_name, model.name)] += 1

    def client(self, service, region=None, *, unsigned=False, **kwargs):
        made = super().client(service, region, unsigned=unsigned, **kwargs)
        if unsigned:
            with self._lock:
                fresh = id(made) not in self._tagged
                self._tagged.add(id(made))
            if fresh:
                made.meta.events.register("before-call", self._record_unsigned)
        return made

    def signed(self) -> Counter[tuple[str, str]]:
        with self._lock:
            return self.operations - self.unsigned_operations


def access_for(built, moto_url, **kwargs) -> RecordingAccess:
    return RecordingAccess(AwsTarget(role_arn=built.role_arn, external_id="ext-123", endpoint_url=moto_url), **kwargs)


def needed_actions(operations) -> dict[str, list[str]]:
    """IAM action -> the operations (service:Operation) that need it."""
    needed: dict[str, list[str]] = {}
    for service, op in operations:
        action = iam_action_for(service, op)
        if action is not None:
            needed.setdefault(action, []).append(f"{service}:{op}")
    return needed


# -- the policy document -------------------------------------------------------------------------

def test_json_policy_is_a_valid_read_only_policy(printed_policy):
    assert printed_policy["Version"] == "2012-10-17"
    assert len(printed_policy["Statement"]) == 1
    (statement,) = printed_policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == "*"
    assert set(statement) <= {"Sid", "Effect", "Action", "Resource"}
    actions = statement["Action"]
    assert actions == sorted(set(actions))
    assert all("*" not in a and "?" not in a for a in actions)
    assert all(is_read_action(a) for a in actions), [a for a in actions if not is_read_action(a)]
    assert all(re.fullmatch(r"[a-z0-9-]+:(Get|List|Describe|Head)[A-Za-z0-9]*", a) for a in actions)


def test_json_policy_is_the_union_of_the_declared_permissions(printed_policy):
    rubric = load_rubric()
    declared = {a for item in rubric.items for a in rubric.spec_for(item).permissions}
    assert allowed(printed_policy) == declared | {IDENTITY_ACTION}


def test_policy_follows_the_rubric_not_a_fixed_list(tmp_path, capsys):
    path = tmp_path / "iam-only.yaml"
    path.write_text("id: iam-only\ntitle: IAM only\nversion: 1\nitems:\n"
                    "  - {id: iam-admin-user, points: 5}\n  - {id: iam-root-hygiene, points: 1}\n")
    code, out, err = cli(capsys, "access-policy", "--rubric", str(path))
    assert (code, err) == (0, "")
    assert json.loads(out)["Statement"][0]["Action"] == ["iam:GetAccountSummary", "iam:ListUsers", IDENTITY_ACTION]


@pytest.mark.parametrize("bad", ["s3:PutObject", "s3:*", "s3:Get*", "*", "iam:CreateAccessKey", "s3:DeleteBucket",
                                 "sagemaker:StopTrainingJob", "s3 GetObject", "S3:GetObject"])
def test_a_check_declaring_a_non_read_action_stops_the_command(tmp_path, capsys, monkeypatch, bad):
    spec = CheckSpec(id="test-writer", title="t", category="S3", func=lambda ctx, params: None, params=Params,
                     permissions=("s3:ListAllMyBuckets", bad), remediation="-")
    load_checks()
    monkeypatch.setitem(REGISTRY, "test-writer", spec)
    path = tmp_path / "writer.yaml"
    path.write_text("id: w\ntitle: w\nversion: 1\nitems:\n  - {id: test-writer, points: 1}\n")
    code, out, err = cli(capsys, "access-policy", "--rubric", str(path))
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and "test-writer" in err and repr(bad) in err and "Traceback" not in err


@pytest.mark.parametrize(("service", "operation", "action"), [
    ("s3", "HeadObject", "s3:GetObject"),
    ("s3", "GetObject", "s3:GetObject"),
    ("s3", "ListObjectsV2", "s3:ListBucket"),
    ("s3", "ListBuckets", "s3:ListAllMyBuckets"),
    ("s3", "GetBucketLocation", "s3:GetBucketLocation"),
    ("s3", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
    ("s3control", "GetPublicAccessBlock", "s3:GetAccountPublicAccessBlock"),
    ("s3", "GetBucketPolicyStatus", "s3:GetBucketPolicyStatus"),
    ("s3", "GetBucketOwnershipControls", "s3:GetBucketOwnershipControls"),
    ("s3", "GetBucketPolicy", "s3:GetBucketPolicy"),
    ("s3", "GetBucketAcl", "s3:GetBucketAcl"),
    ("s3", "GetObjectAcl", "s3:GetObjectAcl"),
    ("ec2", "DescribeRegions", "ec2:DescribeRegions"),
    ("iam", "ListUsers", "iam:ListUsers"),
    ("sagemaker", "DescribeEndpoint", "sagemaker:DescribeEndpoint"),
    ("sts", "AssumeRole", None),
    ("sts", "GetCallerIdentity", None),
])
def test_operation_to_iam_action(service, operation, action):
    assert iam_action_for(service, operation) == action


def test_every_mapped_action_is_a_read():
    assert all(is_read_action(a) for a in ACTION_FOR_OPERATION.values())


# -- the role template ---------------------------------------------------------------------------

def test_cloudformation_role_trusts_only_the_grader_account_with_the_external_id(capsys):
    code, out, err = cli(capsys, "access-policy", "--format", "cloudformation",
                         "--grader-account", GRADER_ACCOUNT, "--external-id", EXTERNAL_ID)
    assert (code, err) == (0, "")
    template = yaml.safe_load(out)
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    assert list(template["Resources"]) == ["GraderReadOnlyRole"]
    role = template["Resources"]["GraderReadOnlyRole"]
    assert role["Type"] == "AWS::IAM::Role"
    props = role["Properties"]
    assert not {"ManagedPolicyArns", "PermissionsBoundary"} & set(props)
    (trust,) = props["AssumeRolePolicyDocument"]["Statement"]
    assert trust == {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{GRADER_ACCOUNT}:root"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
    }
    (inline,) = props["Policies"]
    assert inline["PolicyDocument"] == policy_for(load_rubric())
    assert template["Outputs"]["RoleArn"]["Value"] == {"Fn::GetAtt": ["GraderReadOnlyRole", "Arn"]}
    assert "role_arn" in template["Outputs"]["RoleArn"]["Description"]


def test_cloudformation_keeps_an_external_id_that_looks_like_a_number(capsys):
    code, out, _ = cli(capsys, "access-policy", "--format", "cloudformation",
                       "--grader-account", GRADER_ACCOUNT, "--external-id", "0012345")
    assert code == 0
    trust = yaml.safe_load(out)["Resources"]["GraderReadOnlyRole"]["Properties"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] == "0012345"


@pytest.mark.parametrize("args", [
    ["--format", "cloudformation", "--external-id", EXTERNAL_ID],
    ["--format", "cloudformation", "--grader-account", GRADER_ACCOUNT],
    ["--format", "cloudformation", "--grader-account", "1234", "--external-id", EXTERNAL_ID],
    ["--format", "cloudformation", "--grader-account", "11112222333a", "--external-id", EXTERNAL_ID],
    ["--format", "cloudformation", "--grader-account", "1111222233334", "--external-id", EXTERNAL_ID],
    ["--format", "cloudformation", "--grader-account", GRADER_ACCOUNT, "--external-id", "x"],
    ["--format", "cloudformation", "--grader-account", GRADER_ACCOUNT, "--external-id", "has space"],
    ["--format", "cloudformation", "--grader-account", GRADER_ACCOUNT, "--external-id", "é-accent"],
    ["--format", "cloudformation", "--grader-account", GRADER_ACCOUNT, "--external-id", "x" * 1225],
    ["--format", "xml"],
    ["--rubric", "no-such-rubric"],
    ["--bogus"],
])
def test_bad_options_exit_2_with_one_line(capsys, args):
    code, out, err = cli(capsys, "access-policy", *args)
    assert code == 2 and out == ""
    assert err.startswith("grader: error:") and err.count("\n") == 1, err


def test_longest_external_id_is_accepted(capsys):
    code, out, _ = cli(capsys, "access-policy", "--format", "cloudformation",
                       "--grader-account", GRADER_ACCOUNT, "--external-id", "x" * 1224)
    assert code == 0 and "x" * 1224 in out


# -- every operation a grading run sends is allowed ------------------------------------------------

MISTAKES = [
    Scenario(label="left-running", endpoints_left=("us-east-2", "us-west-2"), configs_left=("ca-central-1",),
             notebook_instance_running="us-east-2", studio_domain="us-east-2"),
    Scenario(label="policy-route", public_route="policy", private_object_public=True, training_data="csv",
             test_data=False, artifact_deleted=True),
    Scenario(label="iam-mistakes", admin_via="user", password_reset_required=True, access_keys=("Active", "Active"),
             root_access_keys=True, public_blocked=True),
    Scenario(label="renamed", private_bucket_name="my-ml-work-{stamp}", public_bucket_name="shared-{stamp}",
             rainfall_output_bucket="elsewhere-{stamp}", extra_buckets=("elsewhere-{stamp}",)),
    Scenario(label="nothing-done", admin_user=False, private_bucket=False, public_bucket=False, rainfall_job=False,
             credit_job=False, extra_buckets=("someone-else-{stamp}",)),
]


def named(scenario: Scenario, stamp: str) -> Scenario:
    """Bucket names made unique for this account (bucket names are global on the server)."""
    import dataclasses

    def fill(value):
        return value.replace("{stamp}", stamp) if isinstance(value, str) else value

    return dataclasses.replace(
        scenario,
        private_bucket_name=fill(scenario.private_bucket_name),
        public_bucket_name=fill(scenario.public_bucket_name),
        rainfall_output_bucket=fill(scenario.rainfall_output_bucket),
        extra_buckets=tuple(fill(b) for b in scenario.extra_buckets),
    )


def assert_allowed(operations, policy, what: str) -> None:
    missing = {action: ops for action, ops in needed_actions(operations).items() if action not in allowed(policy)}
    assert not missing, f"{what}: operations sent that the policy does not allow: {missing}"


def test_complete_run_over_all_regions_is_allowed(build, grade, moto_url, printed_policy, tmp_path):
    built = build(Scenario())
    access = access_for(built, moto_url, offered=["us-east-2", "ca-central-1", "us-west-2", "eu-west-1"])
    notebooks = write_lesson_notebooks(tmp_path, built)
    report = grade(built, regions=None, access=access, notebooks=notebooks)  # the rubric's regions: all
    assert report.status == "pass", [(i.id, i.status.value, i.message) for i in report.items if i.status != "pass"]
    sent = access.signed()
    assert ("ec2", "DescribeRegions") in sent
    assert_allowed(sent, printed_policy, "complete student, all regions")
    # not vacuous: every service the policy names was really called
    services = {a.split(":")[0] for a in allowed(printed_policy)}
    called = {(iam_action_for(s, o) or f"{s}:").split(":")[0] for s, o in sent}
    assert services - {"sts"} <= called, (services, sent)


@pytest.mark.parametrize("scenario", MISTAKES, ids=lambda s: s.label)
def test_runs_with_mistakes_are_allowed(build, grade, moto_url, printed_policy, new_account, scenario):
    built = build(named(scenario, new_account()[-6:]))
    access = access_for(built, moto_url)
    report = grade(built, access=access)
    assert report.status != "error"
    assert_allowed(access.signed(), printed_policy, scenario.label)


@pytest.mark.parametrize("scenario", [Scenario(), MISTAKES[0], MISTAKES[1]], ids=lambda s: s.label)
def test_each_check_declares_every_action_it_needs(build, moto_url, tmp_path, scenario):
    """Each item alone (fresh facts, nothing cached by another check): the operations it sends are
    allowed by its own `permissions`. A rubric may keep any subset of the items, and its policy
    must still work. Notebooks naming the account's buckets and jobs are given, so that the
    notebook items which look things up in the account run too."""
    built = build(scenario)
    access = access_for(built, moto_url)
    write_lesson_notebooks(tmp_path, built)
    notebooks = load_notebooks(tmp_path)
    rubric = load_rubric()
    undeclared = {}
    for item in rubric.items:
        spec = rubric.spec_for(item)
        before, before_unsigned = Counter(access.operations), Counter(access.unsigned_operations)
        ctx = make_context(StudentInfo(id="s1"), AccountFacts(access), notebooks, rubric,
                           Regions(("us-east-2", "ca-central-1", "us-west-2")))
        run_check(spec, ctx, rubric.params_for(item.id))
        sent = (access.operations - before) - (access.unsigned_operations - before_unsigned)
        own = {"Version": "2012-10-17", "Statement": [{"Action": [*spec.permissions, IDENTITY_ACTION]}]}
        missing = {a: ops for a, ops in needed_actions(sent).items() if a not in allowed(own)}
        if missing:
            undeclared[spec.id] = missing
    assert not undeclared, f"checks that send operations their `permissions` do not declare: {undeclared}"
