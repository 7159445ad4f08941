"""The least-privilege access a TA needs to grade a rubric, computed from the checks themselves.

`policy_for(rubric)` is the union of the IAM actions that the rubric's checks declare
(`@check(..., permissions=[...])`, see grader/registry.py), plus `sts:GetCallerIdentity`, which
the engine sends first to learn the account id. `GetCallerIdentity` needs no permission at all
(AWS answers it even under an explicit deny); it is listed so that the policy documents every
call the grader makes. Nothing here is a hand-kept list of actions, and no action may be a
wildcard or anything but a read: a check that declares `s3:PutObject` or `s3:*` makes the
command refuse to print a policy.

`role_template(rubric, grader_account, external_id)` wraps that policy in a CloudFormation
template: a role in the student's account that only the grader's account may assume, and only
with the external id, with the policy inline; its output `RoleArn` goes into the roster.

`iam_action_for(service, operation)` maps an API operation (as botocore names it) to the IAM
action that authorises it. Most have the same name; S3 has the exceptions listed in
`ACTION_FOR_OPERATION`. Tests use it to prove the policy allows every operation a run sends.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from grader.errors import GraderError, InputError
from grader.rubric import Rubric

IDENTITY_ACTION = "sts:GetCallerIdentity"
READ_PREFIXES = ("Get", "List", "Describe", "Head")
# Read actions whose names do not start with a read prefix (none are declared today; an action
# is added here only after checking the AWS Service Authorization Reference says "Read"/"List").
KNOWN_READ_ACTIONS: frozenset[str] = frozenset()

# botocore service name -> IAM service prefix, where they differ.
IAM_PREFIX = {"s3control": "s3"}

# (botocore service, operation) -> IAM action, where the action is not "<prefix>:<operation>".
ACTION_FOR_OPERATION: dict[tuple[str, str], str] = {
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "ListObjects"): "s3:ListBucket",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "ListObjectVersions"): "s3:ListBucketVersions",
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "GetBucketLifecycleConfiguration"): "s3:GetLifecycleConfiguration",
    ("s3", "GetBucketCors"): "s3:GetBucketCORS",
    ("s3", "GetBucketNotificationConfiguration"): "s3:GetBucketNotification",
    ("s3", "GetBucketReplication"): "s3:GetReplicationConfiguration",
    ("s3", "GetObjectLockConfiguration"): "s3:GetBucketObjectLockConfiguration",
}
# Operations no policy in the student's account has to allow: AssumeRole is authorised by the
# role's trust policy (and the grader's own account), GetCallerIdentity needs no permission.
NO_PERMISSION_NEEDED = frozenset({("sts", "AssumeRole"), ("sts", "GetCallerIdentity")})

_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9]+$")
_ACCOUNT = re.compile(r"^\d{12}$")
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$", re.ASCII)
POLICY_VERSION = "2012-10-17"
ROLE_RESOURCE = "GraderReadOnlyRole"


class PolicyError(GraderError):
    """A check declares an action that cannot go into a read-only policy (a grader bug)."""


def iam_action_for(service: str, operation: str) -> str | None:
    """The IAM action that authorises `operation` of botocore `service` (None: none needed)."""
    if (service, operation) in NO_PERMISSION_NEEDED:
        return None
    mapped = ACTION_FOR_OPERATION.get((service, operation))
    return mapped or f"{IAM_PREFIX.get(service, service)}:{operation}"


def is_read_action(action: str) -> bool:
    """True for a well-formed, non-wildcard IAM action that only reads."""
    if not _ACTION.match(action):
        return False
    name = action.split(":", 1)[1]
    return action in KNOWN_READ_ACTIONS or (name.startswith(READ_PREFIXES) and name[:1].isupper())


def declared_actions(rubric: Rubric) -> dict[str, list[str]]:
    """Each IAM action the rubric's checks declare -> the item ids that need it (sorted)."""
    needed: dict[str, set[str]] = {IDENTITY_ACTION: {"(every run: identify the account)"}}
    for item in rubric.items:
        spec = rubric.spec_for(item)
        for action in spec.permissions:
            if not is_read_action(action):
                raise PolicyError(
                    f"check {spec.id} declares IAM action {action!r}, which is not a read action "
                    "(Get*, List*, Describe*, Head*, no wildcards): refusing to put it in a read-only policy"
                )
            needed.setdefault(action, set()).add(item.id)
    return {action: sorted(items) for action, items in sorted(needed.items())}


def policy_for(rubric: Rubric) -> dict[str, Any]:
    """The IAM policy document: one statement allowing exactly the declared read actions."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": "GraderReadOnly",
                "Effect": "Allow",
                "Action": list(declared_actions(rubric)),
                # Bucket, job and endpoint names are the student's own, unknown in advance.
                "Resource": "*",
            }
        ],
    }


def validate_grader_account(value: str | None) -> str:
    if not value:
        raise InputError("--format cloudformation needs --grader-account (the 12-digit id of the grader's AWS account)")
    value = value.strip()
    if not _ACCOUNT.match(value):
        raise InputError(f"--grader-account {value!r}: expected a 12-digit AWS account id")
    return value


def validate_external_id(value: str | None) -> str:
    if not value:
        raise InputError("--format cloudformation needs --external-id (2-1224 characters of letters, digits and +=,.@:/-)")
    if not _EXTERNAL_ID.match(value):
        raise InputError("--external-id: expected 2-1224 characters of letters, digits, _ and +=,.@:/-")
    return value


def _name_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9+=,.@_-]+", "-", text).strip("-")[:100] or "rubric"


def role_template(rubric: Rubric, grader_account: str | None, external_id: str | None) -> dict[str, Any]:
    """A CloudFormation template for the read-only cross-account role (as a mapping)."""
    account = validate_grader_account(grader_account)
    external = validate_external_id(external_id)
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (
            f"Read-only role for grading rubric {rubric.id} (version {rubric.version}). Only account "
            f"{account} may assume it, and only with the agreed external id. It can read, never change, "
            "this account."
        )[:1024],
        "Parameters": {
            "RoleName": {
                "Type": "String",
                "Default": "GraderReadOnly",
                "AllowedPattern": "[\\w+=,.@-]{1,64}",
                "Description": "Name of the role (the TA's roster names its ARN).",
            }
        },
        "Resources": {
            ROLE_RESOURCE: {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": {"Ref": "RoleName"},
                    "Description": f"Read-only access for the course grader (rubric {rubric.id})"[:1000],
                    "MaxSessionDuration": 3600,
                    "AssumeRolePolicyDocument": {
                        "Version": POLICY_VERSION,
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                                "Action": "sts:AssumeRole",
                                "Condition": {"StringEquals": {"sts:ExternalId": external}},
                            }
                        ],
                    },
                    "Policies": [
                        {
                            "PolicyName": f"grader-read-{_name_part(rubric.id)}"[:128],
                            "PolicyDocument": policy_for(rubric),
                        }
                    ],
                },
            }
        },
        "Outputs": {
            "RoleArn": {
                "Description": "Give this to your TA: it goes in the roster's role_arn column.",
                "Value": {"Fn::GetAtt": [ROLE_RESOURCE, "Arn"]},
            }
        },
    }


def _template_header(rubric: Rubric) -> str:
    return (
        f"# Read-only grader role for rubric {rubric.id} (made by `grader access-policy --format cloudformation`).\n"
        "# Deploy it in the student's account, for example:\n"
        "#   aws cloudformation deploy --template-file grader-role.yaml --stack-name grader-read-only \\\n"
        "#       --capabilities CAPABILITY_NAMED_IAM\n"
        "#   aws cloudformation describe-stacks --stack-name grader-read-only \\\n"
        "#       --query \"Stacks[0].Outputs[?OutputKey=='RoleArn'].OutputValue\" --output text\n"
    )


def render(rubric: Rubric, fmt: str = "json", *, grader_account: str | None = None,
           external_id: str | None = None) -> str:
    """The text `grader access-policy` prints: the policy as JSON, or the role template as YAML."""
    if grader_account is not None:
        validate_grader_account(grader_account)
    if external_id is not None:
        validate_external_id(external_id)
    if fmt == "json":
        return json.dumps(policy_for(rubric), indent=2) + "\n"
    if fmt == "cloudformation":
        body = yaml.safe_dump(role_template(rubric, grader_account, external_id), sort_keys=False, width=100)
        return _template_header(rubric) + body
    raise InputError(f"--format {fmt!r}: expected json or cloudformation")
