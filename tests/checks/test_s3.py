"""S3 checks: synthetic accounts on a real moto server (over HTTP), and the policy analysis (pure).

moto stores but does not enforce Block Public Access, and does not report a bucket's policy
status (it answers GetBucketPolicyStatus with an empty PolicyStatus), so the private-bucket check
falls back to reading the policy there. Faults moto cannot produce (AccessDenied, an anonymous
request refused or unanswered) are injected with botocore `before-send` handlers registered first
on the grader's own session.
"""

from __future__ import annotations

import itertools
import json
import uuid

import pytest
from botocore.awsrequest import AWSResponse

from checks.s3 import (
    analyse_policy,
    covers_all,
    covers_some,
    glob_match,
    object_url,
    private_bucket,
    public_bucket,
    public_grants,
)
from grader.aws.facts import AccountFacts
from grader.aws.session import AwsAccess, AwsTarget
from grader.context import Context
from grader.demo.scenario import Scenario
from grader.engine import run_check
from grader.models import StudentInfo
from grader.registry import get_check
from tests.conftest import item

S3_ITEMS = ["s3-private-bucket", "s3-private-object", "s3-public-bucket", "s3-public-object"]
IAM_ITEMS = ["iam-admin-user", "iam-admin-group-policy", "iam-admin-console-access",
             "iam-admin-programmatic-access", "iam-root-hygiene"]
_names = itertools.count(1)


def unique(prefix: str) -> str:
    """Bucket names are global across moto's accounts: every custom name is made unique."""
    return f"{prefix}-{next(_names)}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def fast_rubric():
    """The shipped rubric's IAM and S3 items only (the SageMaker items scan regions: slower)."""
    from grader.registry import load_checks
    from grader.rubric import load_rubric, validate_rubric

    full = load_rubric()
    ids = IAM_ITEMS + S3_ITEMS
    fields = set().union(*(load_checks()[i].params.model_fields for i in ids))
    return validate_rubric({
        "id": "s3-test", "title": "IAM and S3 items", "version": "1",
        "params": {k: v for k, v in full.params.items() if k in fields},
        "items": [i.model_dump(exclude_none=True) for i in full.items if i.id in ids],
    }, "tests/checks/test_s3.py")


@pytest.fixture
def fast_grade(grade, fast_rubric):
    return lambda built, **kw: grade(built, rubric=fast_rubric, **kw)


def statuses(report, ids=S3_ITEMS):
    return {i: item(report, i).status.value for i in ids}


class _Raw:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_kwargs):
        yield self.body


def error_response(status: int, code: str):
    body = f"<Error><Code>{code}</Code><Message>{code} (injected)</Message></Error>".encode()

    def handler(request, **_kwargs):
        return AWSResponse(request.url, status, {"Content-Type": "application/xml"}, _Raw(body))

    return handler


def access_for(moto_url, built, **faults) -> AwsAccess:
    """The grader's access to `built`, with `faults` {"before-send.<svc>.<Op>": handler} injected."""
    access = AwsAccess(AwsTarget(role_arn=built.role_arn, external_id="ext-123", endpoint_url=moto_url))
    for event, handler in faults.items():
        access.session.events.register_first(event, handler)
    return access


def context(moto_url, built, notebooks=None, access=None, regions=("us-east-2", "ca-central-1", "us-west-2")):
    access = access or access_for(moto_url, built)
    return Context(student=StudentInfo(id="s1"), aws=AccountFacts(access), notebooks=notebooks,
                   regions_override=list(regions))


def run(ctx, check_id, **params):
    spec = get_check(check_id)
    return run_check(spec, ctx, spec.params(**params))


# -- the complete student and each mistake, over HTTP ---------------------------------------------
def test_complete_student_passes_every_s3_item(build, grade):
    built = build(Scenario())
    report = grade(built)
    assert statuses(report) == dict.fromkeys(S3_ITEMS, "pass")
    private, public = built.resources["private_bucket"], built.resources["public_bucket"]
    ev = item(report, "s3-private-bucket").evidence
    assert ev["bucket"] == private and ev["region"] == "us-east-2"
    assert "sm-models-*" in ev["identified_by"]
    assert all(ev["block_public_access"]["effective"].values())
    obj = item(report, "s3-public-object").evidence
    assert obj["object_url"] == f"https://{public}.s3.ca-central-1.amazonaws.com/public-happy-face.png"
    assert obj["anonymous_request"][0]["answer"].startswith("HTTP 20")
    assert item(report, "s3-private-object").evidence["objects_inspected"] == 5
    json.dumps(report.to_dict())  # evidence is JSON-serialisable


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        (Scenario(private_blocked=False), {"s3-private-bucket": "fail"}),
        (Scenario(public_route="none"), {"s3-public-object": "fail"}),
        (Scenario(public_route="policy"), {}),  # public by bucket policy, ACLs disabled: correct too
        # left with the 2023 defaults: the object cannot be public either
        (Scenario(public_blocked=True), {"s3-public-bucket": "fail", "s3-public-object": "fail"}),
        (Scenario(public_region="us-west-2"), {"s3-public-bucket": "warn"}),
        (Scenario(private_region="us-west-2"), {"s3-private-bucket": "warn"}),
        # the ACL route needs BlockPublicAcls/IgnorePublicAcls off, so the private bucket fails too
        (Scenario(private_object_public=True), {"s3-private-bucket": "fail", "s3-private-object": "fail"}),
        (Scenario(account_bpa=True), {"s3-public-bucket": "fail", "s3-public-object": "fail"}),
        (Scenario(public_route="policy", public_flags_on=("BlockPublicAcls", "IgnorePublicAcls")),
         {"s3-public-bucket": "partial"}),
    ],
)
def test_each_mistake_changes_only_its_items(build, fast_grade, scenario, expected):
    report = fast_grade(build(scenario))
    assert statuses(report) == {**dict.fromkeys(S3_ITEMS, "pass"), **expected}
    assert statuses(report, IAM_ITEMS) == dict.fromkeys(IAM_ITEMS, "pass")
    for item_id in expected:
        assert "step" in (item(report, item_id).remediation or "").lower()


def test_private_bucket_not_blocked_says_by_which_route(build, fast_grade):
    report = fast_grade(build(Scenario(private_blocked=False)))
    res = item(report, "s3-private-bucket")
    assert any("Block Public Access is off" in r for r in res.evidence["public_access_routes"])
    assert res.points.earned == 0


def test_public_object_by_bucket_policy_with_acls_disabled(build, fast_grade):
    report = fast_grade(build(Scenario(public_route="policy")))
    ev = item(report, "s3-public-object").evidence
    assert ev["object_ownership"] == "BucketOwnerEnforced"
    assert ev["analysis"][0]["by"] == "bucket policy statement PublicRead"
    assert ev["object_url"].endswith("/public-happy-face.png")


def test_public_object_never_made_public_fails_without_asking_anonymously(build, fast_grade):
    report = fast_grade(build(Scenario(public_route="none")))
    ev = item(report, "s3-public-object").evidence
    assert "object_url" not in ev and "anonymous_request" not in ev
    assert ev["objects_inspected"] == ["public-happy-face.png"]


def test_account_level_block_makes_the_public_bucket_blocked(build, fast_grade):
    report = fast_grade(build(Scenario(account_bpa=True)))
    ev = item(report, "s3-public-bucket").evidence["block_public_access"]
    assert ev["bucket_level"] == dict.fromkeys(ev["effective"], False)
    assert all(ev["account_level"].values()) and all(ev["effective"].values())


def test_public_bucket_in_another_region_warns_with_full_points(build, fast_grade):
    report = fast_grade(build(Scenario(public_region="us-west-2")))
    res = item(report, "s3-public-bucket")
    assert res.points.earned == res.points.possible
    assert "us-west-2" in res.message and "ca-central-1" in res.message


def test_public_bucket_with_another_name_is_found_by_its_configuration(build, fast_grade):
    name = unique("shared-files")
    report = fast_grade(build(Scenario(public_bucket_name=name)))
    res = item(report, "s3-public-bucket")
    assert res.status == "warn" and res.points.earned == res.points.possible
    assert res.evidence["bucket"] == name
    assert "configuration lets the public read it" in res.evidence["identified_by"]
    assert "public-happy-face.png" in res.evidence["identified_by"]
    assert item(report, "s3-public-object").status == "pass"


def test_private_bucket_found_only_by_the_lesson_prefix(build, fast_grade):
    name = unique("my-lesson-data")
    report = fast_grade(build(Scenario(private_bucket_name=name)))
    res = item(report, "s3-private-bucket")
    assert res.status == "pass"
    assert res.evidence["bucket"] == name
    assert "austin-rainfall-regression/" in res.evidence["identified_by"]
    assert item(report, "s3-private-object").evidence["bucket"] == name


def test_no_private_bucket_fails_listing_buckets_with_regions(build, fast_grade):
    built = build(Scenario(private_bucket=False))
    report = fast_grade(built)
    res = item(report, "s3-private-bucket")
    assert res.status == "fail"
    assert {"name": built.resources["public_bucket"], "region": "ca-central-1"}.items() <= \
        res.evidence["buckets_found"][0].items()
    assert item(report, "s3-private-object").status == "fail"
    assert item(report, "s3-public-bucket").status == "pass"


def test_public_object_in_the_private_bucket_is_named(build, fast_grade):
    report = fast_grade(build(Scenario(private_object_public=True)))
    res = item(report, "s3-private-object")
    assert res.evidence["public_objects"] == [{"key": "private-wink-face.png", "why": "its ACL grants AllUsers READ"}]
    assert "private-wink-face.png" in res.message


@pytest.mark.parametrize(
    "policy",
    [
        # an Allow with a Condition is not public (the spec: "without conditions")
        {"Statement": [{"Sid": "FromOffice", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::{bucket}/*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]},
        # an explicit Deny wins over the Allow
        {"Statement": [{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::{bucket}/*"},
                       {"Sid": "NoOne", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
                        "Resource": ["arn:aws:s3:::{bucket}", "arn:aws:s3:::{bucket}/*"]}]},
    ],
    ids=["condition", "deny"],
)
def test_conditional_or_denied_policy_is_not_public(build, fast_grade, policy):
    report = fast_grade(build(Scenario(public_route="policy", public_policy={"Version": "2012-10-17", **policy})))
    res = item(report, "s3-public-object")
    assert res.status == "fail"
    assert "anonymous_request" not in res.evidence
    assert statuses(report, ["s3-private-bucket", "s3-private-object", "s3-public-bucket"]) == \
        dict.fromkeys(["s3-private-bucket", "s3-private-object", "s3-public-bucket"], "pass")


def test_deny_statement_overrides_a_public_acl(build, fast_grade):
    policy = {"Statement": [{"Sid": "Closed", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                             "Resource": "arn:aws:s3:::{bucket}/*"}]}
    report = fast_grade(build(Scenario(public_route="acl", public_policy=policy)))
    res = item(report, "s3-public-object")
    assert res.status == "fail"
    assert res.evidence["analysis"][0]["denied_by_policy"] == ["Closed"]
    assert "Deny" in res.message


def test_acl_neutralised_by_ignore_public_acls_is_not_public_even_if_the_endpoint_answers(build, fast_grade):
    """moto serves this object anonymously (it does not enforce IgnorePublicAcls); AWS would not.
    The analysis decides: no anonymous request is made, and the neutralised grant is reported."""
    report = fast_grade(build(Scenario(public_route="acl", public_flags_on=("IgnorePublicAcls",))))
    res = item(report, "s3-public-object")
    assert res.status == "fail"
    assert "anonymous_request" not in res.evidence
    assert res.evidence["analysis"][0]["acl_public_grants"] == ["AllUsers READ"]
    assert "IgnorePublicAcls" in res.evidence["analysis"][0]["acl_neutralised"]
    assert "IgnorePublicAcls" in res.message
    # the ACL route is closed, but the bucket-policy route is still open
    bucket = item(report, "s3-public-bucket")
    assert bucket.status == "partial" and bucket.evidence["public_read_routes_open"] == ["bucket policy"]


def test_sagemaker_work_region_comes_from_the_training_jobs(build, fast_grade):
    report = fast_grade(build(Scenario(sagemaker_region="us-west-2")))  # bucket and jobs in us-west-2
    res = item(report, "s3-private-bucket")
    assert res.status == "pass"
    assert res.evidence["sagemaker_work_regions"] == ["us-west-2"]


def test_without_training_jobs_the_lesson_region_is_expected(build, fast_grade):
    report = fast_grade(build(Scenario(private_region="us-west-2", rainfall_job=False, credit_job=False)))
    res = item(report, "s3-private-bucket")
    assert res.status == "warn" and res.points.earned == res.points.possible
    assert res.evidence["sagemaker_work_regions"] == ["us-east-2"]
    assert "no training job" in res.evidence["sagemaker_work_from"]


def test_a_thousand_objects_do_not_multiply_api_calls(build, grade):
    small = grade(build(Scenario()))
    large = grade(build(Scenario(private_extra_objects=1000)))
    assert statuses(large) == dict.fromkeys(S3_ITEMS, "pass")
    assert large.stats["api_calls"] == small.stats["api_calls"]
    assert large.stats["api_calls"] <= 60 + 5 * 3
    ops = large.stats["operations"]
    assert ops.get("s3:GetObjectAcl", 0) <= 5  # only the public bucket's few objects
    private = item(large, "s3-private-object").evidence
    assert private["objects_inspected"] == 50 and "more_objects_not_inspected" in private


def test_access_denied_on_get_bucket_policy_errors_only_the_items_that_need_it(moto_url, build, grade):
    built = build(Scenario())
    access = access_for(moto_url, built, **{"before-send.s3.GetBucketPolicy": error_response(403, "AccessDenied")})
    report = grade(built, access=access)
    got = statuses(report)
    # The public object's verdict needs the policy (a Deny would override its ACL). The private
    # bucket needs it only where the endpoint reports no policy status (moto before 5.2.5 answers
    # `{}`; real AWS and newer moto answer it): then it must fall back to the policy, and errors.
    private_needs_policy = not endpoint_reports_policy_status(moto_url, built)
    assert got == {"s3-private-bucket": "error" if private_needs_policy else "pass", "s3-private-object": "pass",
                   "s3-public-bucket": "pass", "s3-public-object": "error"}
    res = item(report, "s3-public-object")
    assert res.evidence["could_not_read"] == f"policy of {built.resources['public_bucket']}"
    assert "access denied" in res.evidence["reason"]
    assert {i.id for i in report.items if i.status == "error"} == (
        {"s3-private-bucket", "s3-public-object"} if private_needs_policy else {"s3-public-object"})


def endpoint_reports_policy_status(moto_url, built) -> bool:
    """Whether this endpoint answers GetBucketPolicyStatus with IsPublic (asked independently)."""
    import botocore.exceptions

    from grader.demo.scenario import account_session

    s3 = account_session(moto_url, built.account_id).client("s3", region_name="us-east-1", endpoint_url=moto_url)
    try:
        resp = s3.get_bucket_policy_status(Bucket=built.resources["private_bucket"])
    except botocore.exceptions.ClientError as exc:
        return exc.response["Error"]["Code"] == "NoSuchBucketPolicy"
    return "IsPublic" in resp.get("PolicyStatus", {})


def test_access_denied_on_object_acls_errors_only_the_public_object(moto_url, build, grade):
    built = build(Scenario())
    access = access_for(moto_url, built, **{"before-send.s3.GetObjectAcl": error_response(403, "AccessDenied")})
    report = grade(built, access=access)
    assert statuses(report) == {"s3-private-bucket": "pass", "s3-private-object": "pass",
                                "s3-public-bucket": "pass", "s3-public-object": "error"}


def _unsigned_only(handler):
    def wrapped(request, **kwargs):
        if "Authorization" not in request.headers:
            return handler(request, **kwargs)
        return None

    return wrapped


def test_anonymous_request_refused_fails_with_both_in_evidence(moto_url, build):
    built = build(Scenario())
    access = access_for(moto_url, built, **{
        "before-send.s3.GetObject": _unsigned_only(error_response(403, "AccessDenied"))})
    res = run(context(moto_url, built, access=access), "s3-public-object")
    assert res.status == "fail"
    assert res.evidence["analysis"][0]["public"] is True
    assert res.evidence["anonymous_request"][0]["http_status"] == 403
    assert "refused an anonymous request" in res.message


def test_anonymous_request_unanswered_is_an_error(moto_url, build):
    built = build(Scenario())
    access = access_for(moto_url, built, **{
        "before-send.s3.GetObject": _unsigned_only(error_response(503, "ServiceUnavailable"))})
    res = run(context(moto_url, built, access=access), "s3-public-object")
    assert res.status == "error"
    assert res.evidence["anonymous_request"][0]["http_status"] == 503


def test_confirm_anonymous_false_makes_no_request(moto_url, build):
    built = build(Scenario())
    ctx = context(moto_url, built)
    res = run(ctx, "s3-public-object", confirm_anonymous=False)
    assert res.status == "pass"
    assert res.evidence["anonymous_request"].startswith("not made")
    assert ("s3", "GetObject") not in ctx.aws.access.operations


# -- identification ------------------------------------------------------------------------------
class FakeMention:
    def __init__(self, name, where):
        self.name, self.where = name, where


class FakeNotebooks:
    def __init__(self, mentions):
        self.mentions = mentions

    def mentioned_buckets(self):
        return self.mentions


@pytest.mark.parametrize("shape", ["name", "tuple", "object"])
def test_a_bucket_the_notebooks_name_comes_first(moto_url, build, shape):
    other = unique("buzz-app-sagemaker")
    built = build(Scenario(extra_buckets=(other,)))
    where = "rainfall_forecast.ipynb cell 4 code"
    mention = {"name": other, "tuple": (other, where), "object": FakeMention(other, where)}[shape]
    notebooks = FakeNotebooks([("not-in-this-account-bucket", "x"), mention])
    ctx = context(moto_url, built, notebooks=notebooks)
    res = run(ctx, "s3-private-bucket")
    assert res.evidence["bucket"] == other
    assert "notebooks name it" in res.evidence["identified_by"]
    assert (where in res.evidence["identified_by"]) == (shape != "name")
    assert private_bucket(ctx, get_check("s3-private-bucket").params()).route == "notebooks"


def test_notebooks_without_the_method_fall_back_to_patterns(moto_url, build):
    built = build(Scenario())
    res = run(context(moto_url, built, notebooks=object()), "s3-private-bucket")
    assert res.status == "pass" and "sm-models-*" in res.evidence["identified_by"]


def test_a_public_pattern_bucket_named_in_the_notebooks_is_not_the_private_one(moto_url, build):
    built = build(Scenario())
    ctx = context(moto_url, built, notebooks=FakeNotebooks([built.resources["public_bucket"]]))
    found = private_bucket(ctx, get_check("s3-private-bucket").params())
    assert found.name == built.resources["private_bucket"] and found.route == "name-pattern"


def test_studio_bucket_does_not_count_by_name_pattern(moto_url, build):
    built = build(Scenario(studio_bucket=True, training_data="none", rainfall_job=False, credit_job=False))
    ctx = context(moto_url, built)
    params = get_check("s3-private-bucket").params(private_bucket_patterns=["sagemaker-*"])
    assert private_bucket(ctx, params) is None  # Studio's bucket matches but does not count; nothing holds the prefix


def test_studio_bucket_counts_by_the_lesson_prefix(moto_url, build):
    built = build(Scenario(studio_bucket=True, private_bucket_name=unique("data"), training_data="none",
                           rainfall_job=False, credit_job=False))
    from moto.s3.models import s3_backends

    studio = f"sagemaker-us-east-2-{built.account_id}"
    s3_backends[built.account_id]["aws"].put_object(studio, "austin-rainfall-regression/train/x.data", b"x")
    found = private_bucket(context(moto_url, built), get_check("s3-private-bucket").params())
    assert found.name == studio and found.route == "lesson-prefix"


def test_of_two_public_pattern_buckets_the_open_one_is_taken(moto_url, build):
    blocked = unique("public-share-0-old")  # created blocked in us-east-1 by the builder
    built = build(Scenario(extra_buckets=(blocked,)))
    found = public_bucket(context(moto_url, built), get_check("s3-public-bucket").params())
    assert found.name == built.resources["public_bucket"]
    assert blocked in found.others


def test_identification_is_computed_once_per_run(moto_url, build):
    built = build(Scenario(private_bucket_name=unique("by-prefix")))
    ctx = context(moto_url, built)
    for check_id in S3_ITEMS:
        run(ctx, check_id)
    ops = ctx.aws.access.operations
    assert ops[("s3", "ListBuckets")] == 1
    # route (3) lists each bucket once with MaxKeys=1; the private bucket's objects once more
    assert ops[("s3", "ListObjectsV2")] <= 2 + 2


# -- the policy analysis (pure) ------------------------------------------------------------------
B = "bkt"
OBJ = f"arn:aws:s3:::{B}/*"


def stmt(**kw):
    base = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": OBJ}
    base.update(kw)
    return {k: v for k, v in base.items() if v is not None}


def pol(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.mark.parametrize(
    ("policy", "key", "public"),
    [
        (None, "a.png", False),
        (pol(stmt()), "a.png", True),
        (pol(stmt()), None, True),
        ({"Statement": stmt()}, "a.png", True),  # a single statement, not a list
        (pol(stmt(Principal={"AWS": "*"})), "a.png", True),
        (pol(stmt(Principal={"AWS": ["arn:aws:iam::123456789012:root", "*"]})), "a.png", True),
        (pol(stmt(Principal={"AWS": "arn:aws:iam::123456789012:root"})), "a.png", False),
        (pol(stmt(Principal={"Service": "cloudfront.amazonaws.com"})), "a.png", False),
        (pol(stmt(Principal=None, NotPrincipal={"AWS": "arn:aws:iam::123456789012:root"})), "a.png", True),
        (pol(stmt(Action="s3:*")), "a.png", True),
        (pol(stmt(Action="s3:Get*")), "a.png", True),
        (pol(stmt(Action="*")), "a.png", True),
        (pol(stmt(Action="S3:getobject")), "a.png", True),
        (pol(stmt(Action=["s3:ListBucket", "s3:GetObject"])), "a.png", True),
        (pol(stmt(Action="s3:GetObjectAcl")), "a.png", False),
        (pol(stmt(Action="s3:PutObject")), "a.png", False),
        (pol(stmt(Action="s3:List*")), "a.png", False),
        (pol(stmt(Action=None, NotAction="s3:DeleteObject")), "a.png", True),
        (pol(stmt(Action=None, NotAction="s3:Get*")), "a.png", False),
        (pol(stmt(Resource=f"arn:aws:s3:::{B}")), "a.png", False),
        (pol(stmt(Resource="arn:aws:s3:::other/*")), "a.png", False),
        (pol(stmt(Resource=f"arn:aws:s3:::{B}/public/*")), "public/a.png", True),
        (pol(stmt(Resource=f"arn:aws:s3:::{B}/public/*")), "private/a.png", False),
        (pol(stmt(Resource=f"arn:aws:s3:::{B}/public/*")), None, True),
        (pol(stmt(Resource=f"arn:aws:s3:::{B}/*.png")), "faces/a.png", True),
        (pol(stmt(Resource=f"arn:aws:s3:::{B}/*.png")), "a.csv", False),
        (pol(stmt(Resource="arn:aws:s3:::*")), "a.png", True),
        (pol(stmt(Resource="*")), "a.png", True),
        (pol(stmt(Resource="arn:aws:s3:::bk?/*")), "a.png", True),
        (pol(stmt(Resource=None, NotResource=f"arn:aws:s3:::{B}/private/*")), "a.png", True),
        (pol(stmt(Resource=None, NotResource=f"arn:aws:s3:::{B}/private/*")), "private/a.png", False),
        (pol(stmt(Resource=None, NotResource=f"arn:aws:s3:::{B}/*")), None, False),
        (pol(stmt(Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})), "a.png", False),
        (pol(stmt(Effect="Deny")), "a.png", False),
        (pol(stmt(), stmt(Effect="Deny")), "a.png", False),
        (pol(stmt(), stmt(Effect="Deny", Action="s3:*")), None, False),
        (pol(stmt(), stmt(Effect="Deny", Resource=f"arn:aws:s3:::{B}/secret/*")), "a.png", True),
        (pol(stmt(), stmt(Effect="Deny", Resource=f"arn:aws:s3:::{B}/secret/*")), "secret/k.txt", False),
        (pol(stmt(), stmt(Effect="Deny", Resource=f"arn:aws:s3:::{B}/secret/*")), None, True),
        (pol(stmt(), stmt(Effect="Deny", Principal={"AWS": "arn:aws:iam::123456789012:user/x"})), "a.png", True),
        (pol(stmt(), stmt(Effect="Deny", Principal=None, NotPrincipal={"AWS": "arn:aws:iam::1:root"})), "a.png",
         False),
        (pol(stmt(), stmt(Effect="Deny", Action=None, NotAction="s3:GetObject")), "a.png", True),
        (pol(stmt(), stmt(Effect="Deny", Action="s3:PutObject")), "a.png", True),
        (pol(stmt(), stmt(Effect="Deny", Condition={"Bool": {"aws:SecureTransport": "false"}})), "a.png", True),
        (pol(stmt(), stmt(Effect="Deny", Condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1"}})), "a.png",
         False),
        (pol(stmt(Effect="Audit")), "a.png", False),
        (pol("not a statement", stmt()), "a.png", True),
    ],
)
def test_policy_analysis(policy, key, public):
    assert analyse_policy(policy, B, key).public is public


def test_conditional_deny_is_conservative_in_each_direction():
    policy = pol(stmt(Sid="Read"), stmt(Sid="VpcOnly", Effect="Deny",
                                        Condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}))
    analysis = analyse_policy(policy, B, "a.png")
    assert analysis.public is False  # s3-public-object does not call it public
    assert analysis.possibly_public is True  # s3-private-object does not count on it
    assert analysis.conditional_denies == ["VpcOnly"]


def test_statement_labels_and_evidence():
    analysis = analyse_policy(pol(stmt(), stmt(Sid="Cond", Condition={"Bool": {"aws:SecureTransport": "true"}})),
                              B, "a.png")
    assert analysis.allows == ["#1"] and analysis.conditional_allows == ["Cond"]
    assert analysis.evidence() == {"public_allow_statements": ["#1"], "conditional_allows": ["Cond"]}
    assert analyse_policy(None, B).evidence() == {"bucket_policy": "none"}


@pytest.mark.parametrize(
    ("statement", "grants"),
    [
        (stmt(Action="s3:ListBucket", Resource=f"arn:aws:s3:::{B}"), True),
        (stmt(Action="s3:PutObject"), True),
        (stmt(Action="ec2:*", Resource="*"), False),
        (stmt(Principal={"AWS": "arn:aws:iam::123456789012:root"}, Action="s3:*"), False),
        (stmt(Resource="arn:aws:s3:::other"), False),
    ],
)
def test_any_action_analysis_for_the_policy_status_fallback(statement, grants):
    assert analyse_policy(pol(statement), B, None, None).grants_public is grants


def test_wildcards():
    assert glob_match("arn:aws:s3:::b/*", "arn:aws:s3:::b/a/b/c.png")
    assert not glob_match("arn:aws:s3:::b/?", "arn:aws:s3:::b/ab")
    assert glob_match("S3:GET*", "s3:getobject", case=False)
    assert covers_some("arn:aws:s3:::*", "arn:aws:s3:::b/")
    assert not covers_some("arn:aws:s3:::b", "arn:aws:s3:::b/")
    assert not covers_some("arn:aws:s3:::c*/x", "arn:aws:s3:::b/")
    assert covers_all("arn:aws:s3:::b/*", "arn:aws:s3:::b/")
    assert covers_all("arn:aws:s3:::b*", "arn:aws:s3:::b/")
    assert not covers_all("arn:aws:s3:::b/p/*", "arn:aws:s3:::b/")
    assert not covers_all("arn:aws:s3:::b/?", "arn:aws:s3:::b/")


def test_public_grants_and_object_url():
    grants = [
        {"Grantee": {"Type": "CanonicalUser", "ID": "x"}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"},
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"},
         "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
         "Permission": "WRITE_ACP"},
    ]
    assert public_grants(grants) == ["AllUsers READ", "AuthenticatedUsers FULL_CONTROL"]
    assert public_grants(grants, authenticated=False) == ["AllUsers READ"]
    assert object_url("b", "ca-central-1", "faces/happy face.png") == \
        "https://b.s3.ca-central-1.amazonaws.com/faces/happy%20face.png"
