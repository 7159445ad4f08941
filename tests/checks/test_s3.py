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

from checks import get_check
from checks.s3_public import object_url
from grader.aws.session import AwsAccess, AwsTarget
from grader.demo.scenario import Scenario
from grader.engine import run_check
from grader.facts.params import RUN_KEYS
from tests.checks.helpers import account_context
from tests.conftest import item
from tests.faults import error_response, own_events

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
    from checks import load_checks
    from grader.rubric import load_rubric, validate_rubric

    full = load_rubric()
    ids = IAM_ITEMS + S3_ITEMS
    fields = set().union(RUN_KEYS, *(load_checks()[i].params.model_fields for i in ids))
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


def s3_error(status: int, code: str):
    """A before-send handler answering `status` `code` instead of sending the request."""
    return lambda *_args, **_kwargs: error_response("s3", code, status, f"{code} (injected)")


def access_for(moto_url, built, **faults) -> AwsAccess:
    """The grader's access to `built`, with `faults` {"before-send.<svc>.<Op>": handler} injected."""
    access = AwsAccess(AwsTarget(role_arn=built.role_arn, external_id="ext-123", endpoint_url=moto_url))
    for event, handler in faults.items():
        own_events(access).register_first(event, handler)
    return access


def context(moto_url, built, mentions=(), access=None, regions=("us-east-2", "ca-central-1", "us-west-2"),
            **run_params):
    """A Context over `built` with the notebooks naming `mentions` ((bucket, where) pairs) and the
    rubric-level `run_params`."""
    return account_context(access or access_for(moto_url, built), regions, mentions, **run_params)


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
    access = access_for(moto_url, built, **{"before-send.s3.GetBucketPolicy": s3_error(403, "AccessDenied")})
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
    access = access_for(moto_url, built, **{"before-send.s3.GetObjectAcl": s3_error(403, "AccessDenied")})
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
        "before-send.s3.GetObject": _unsigned_only(s3_error(403, "AccessDenied"))})
    res = run(context(moto_url, built, access=access), "s3-public-object")
    assert res.status == "fail"
    assert res.evidence["analysis"][0]["public"] is True
    assert res.evidence["anonymous_request"][0]["http_status"] == 403
    assert "refused an anonymous request" in res.message


def test_anonymous_request_unanswered_is_an_error(moto_url, build):
    built = build(Scenario())
    access = access_for(moto_url, built, **{
        "before-send.s3.GetObject": _unsigned_only(s3_error(503, "ServiceUnavailable"))})
    res = run(context(moto_url, built, access=access), "s3-public-object")
    assert res.status == "error"
    assert res.evidence["anonymous_request"][0]["http_status"] == 503


def test_confirm_anonymous_false_makes_no_request(moto_url, build):
    built = build(Scenario())
    ctx = context(moto_url, built)
    res = run(ctx, "s3-public-object", confirm_anonymous=False)
    assert res.status == "pass"
    assert res.evidence["anonymous_request"].startswith("not made")
    assert ("s3", "GetObject") not in ctx.account.access.operations


# -- identification ------------------------------------------------------------------------------
@pytest.mark.parametrize("where_given", [False, True])
def test_a_bucket_the_notebooks_name_comes_first(moto_url, build, where_given):
    other = unique("buzz-app-sagemaker")
    built = build(Scenario(extra_buckets=(other,)))
    where = "rainfall_forecast.ipynb cell 4 code"
    mentions = [("not-in-this-account-bucket", "x"), (other, where if where_given else None)]
    ctx = context(moto_url, built, mentions=mentions)
    res = run(ctx, "s3-private-bucket")
    assert res.evidence["bucket"] == other
    assert "notebooks name it" in res.evidence["identified_by"]
    assert (where in res.evidence["identified_by"]) == where_given
    assert ctx.account.private_bucket().route == "notebooks"


def test_notebooks_naming_no_bucket_fall_back_to_patterns(moto_url, build):
    built = build(Scenario())
    res = run(context(moto_url, built, mentions=()), "s3-private-bucket")
    assert res.status == "pass" and "sm-models-*" in res.evidence["identified_by"]


def test_a_public_pattern_bucket_named_in_the_notebooks_is_not_the_private_one(moto_url, build):
    built = build(Scenario())
    ctx = context(moto_url, built, mentions=[(built.resources["public_bucket"], None)])
    found = ctx.account.private_bucket()
    assert found.name == built.resources["private_bucket"] and found.route == "name-pattern"


def test_studio_bucket_does_not_count_by_name_pattern(moto_url, build):
    built = build(Scenario(studio_bucket=True, training_data="none", rainfall_job=False, credit_job=False))
    ctx = context(moto_url, built, private_bucket_patterns=["sagemaker-*"])
    assert ctx.account.private_bucket() is None  # Studio's bucket matches but does not count; nothing holds the prefix


def test_studio_bucket_counts_by_the_lesson_prefix(moto_url, build):
    built = build(Scenario(studio_bucket=True, private_bucket_name=unique("data"), training_data="none",
                           rainfall_job=False, credit_job=False))
    from moto.s3.models import s3_backends

    studio = f"sagemaker-us-east-2-{built.account_id}"
    s3_backends[built.account_id]["aws"].put_object(studio, "austin-rainfall-regression/train/x.data", b"x")
    found = context(moto_url, built).account.private_bucket()
    assert found.name == studio and found.route == "lesson-prefix"


def test_of_two_public_pattern_buckets_the_open_one_is_taken(moto_url, build):
    blocked = unique("public-share-0-old")  # created blocked in us-east-1 by the builder
    built = build(Scenario(extra_buckets=(blocked,)))
    found = context(moto_url, built).account.public_bucket()
    assert found.name == built.resources["public_bucket"]
    assert blocked in found.others


def _rubric_with(tmp_path, shared=None, on_item=None):
    """The shipped rubric with `shared` added to its shared params and `on_item` {item: params}
    (the keys `on_item` sets are removed from the shared params)."""
    import yaml

    from grader.rubric import load_rubric, resolve

    data = yaml.safe_load(resolve(None).read_text(encoding="utf-8"))
    data["params"].update(shared or {})
    for params in (on_item or {}).values():
        for key in params:
            data["params"].pop(key, None)
    for entry in data["items"]:
        entry.setdefault("params", {}).update((on_item or {}).get(entry["id"], {}))
    path = tmp_path / "rubric.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_rubric(str(path))


@pytest.mark.parametrize("where", ["shared", "item"])
def test_private_bucket_patterns_set_once_make_every_item_name_the_same_bucket(build, grade, tmp_path, where):
    """Two candidates: the lesson's `sm-models-*` bucket (the default patterns) and a `course-*` one
    (the rubric's). Set once, in the shared params or on s3-private-bucket only (promoted to the run
    level: the bug was that only that item then used them), the patterns make every S3 and
    SageMaker item name the `course-*` bucket."""
    custom = unique("course-bucket")
    built = build(Scenario(extra_buckets=(custom,)))
    patterns = {"private_bucket_patterns": ["course-*"]}
    rubric = (_rubric_with(tmp_path, shared=patterns) if where == "shared"
              else _rubric_with(tmp_path, on_item={"s3-private-bucket": patterns}))
    assert rubric.run_params.private_bucket_patterns == ["course-*"]
    report = grade(built, rubric=rubric)
    named = {"s3-private-bucket": item(report, "s3-private-bucket").evidence["bucket"],
             "s3-private-object": item(report, "s3-private-object").evidence["bucket"],
             "sagemaker-rainfall-training": item(report, "sagemaker-rainfall-training").evidence["private_bucket"],
             "sagemaker-rainfall-data": item(report, "sagemaker-rainfall-data").evidence["private_bucket"]}
    assert named == dict.fromkeys(named, custom)
    default = grade(built)  # the defaults take the lesson's bucket: the two candidates do disagree
    assert item(default, "s3-private-bucket").evidence["bucket"] == built.resources["private_bucket"] != custom
    assert item(default, "sagemaker-rainfall-data").evidence["private_bucket"] == built.resources["private_bucket"]


def test_identification_is_computed_once_per_run(moto_url, build):
    built = build(Scenario(private_bucket_name=unique("by-prefix")))
    ctx = context(moto_url, built)
    for check_id in S3_ITEMS:
        run(ctx, check_id)
    ops = ctx.account.access.operations
    assert ops[("s3", "ListBuckets")] == 1
    # route (3) lists each bucket once with MaxKeys=1; the private bucket's objects once more
    assert ops[("s3", "ListObjectsV2")] <= 2 + 2


def test_object_url():
    assert object_url("b", "ca-central-1", "faces/happy face.png") == \
        "https://b.s3.ca-central-1.amazonaws.com/faces/happy%20face.png"
