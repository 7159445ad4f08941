"""Issue 14, S3: ACL grants of any permission on the private bucket, an existing public ACL while
BlockPublicAcls is on, public objects past the fifth, S3 Express directory-bucket names, a
redirect answering the anonymous GET, and the wording of a policy route with no policy."""

from __future__ import annotations

import pytest
from botocore.config import Config

from grader.demo.scenario import PNG, Scenario, account_session
from tests.checks.test_s3 import access_for, context, run, s3_error, unique
from tests.conftest import item

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def s3(moto_url, built, region, **s3_config):
    session = account_session(moto_url, built.account_id)
    return session.client("s3", region_name=region, endpoint_url=moto_url,
                          config=Config(s3={"addressing_style": "path", **s3_config}))


def _owner_grant(client, bucket):
    return client.get_bucket_acl(Bucket=bucket)


@pytest.mark.parametrize("permission", ["WRITE", "WRITE_ACP", "READ_ACP"])
def test_private_bucket_granting_allusers_any_permission_fails(moto_url, build, permission):
    built = build(Scenario())
    c = s3(moto_url, built, "us-east-2")
    name = built.scenario.private_name
    acl = c.get_bucket_acl(Bucket=name)
    grants = acl["Grants"] + [{"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": permission}]
    c.put_bucket_acl(Bucket=name, AccessControlPolicy={"Grants": grants, "Owner": acl["Owner"]})
    res = run(context(moto_url, built), "s3-private-bucket")
    assert res.status == "fail"
    assert f"AllUsers {permission}" in res.message


def test_existing_public_acl_counts_while_ignore_public_acls_is_off(moto_url, build):
    built = build(Scenario(public_route="acl",
                           public_flags_on=("BlockPublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")))
    ctx = context(moto_url, built)
    res = run(ctx, "s3-public-bucket")
    assert res.status == "partial"
    assert res.evidence["public_read_routes_open"] == ["ACL (already in place)"]
    assert "blocks every public read" not in res.message
    assert "ACL grant already in place" in res.message
    assert run(ctx, "s3-public-object").status == "pass"


def test_a_policy_route_with_no_policy_is_worded_as_possible(moto_url, build):
    built = build(Scenario(public_route="acl", public_flags_on=("IgnorePublicAcls",)))
    res = run(context(moto_url, built), "s3-public-bucket")
    assert res.status == "partial"
    assert "no such policy is in place" in res.message
    assert "readable by its bucket policy" not in res.message


def test_a_public_object_past_the_fifth_is_found(moto_url, build):
    built = build(Scenario(public_route="none"))
    c = s3(moto_url, built, "ca-central-1")
    name = built.scenario.public_name
    for i in range(6):
        c.put_object(Bucket=name, Key=f"a-{i}.txt", Body=b"x", ACL="private")
    c.put_object(Bucket=name, Key="b-public.png", Body=PNG, ACL="public-read")
    res = run(context(moto_url, built), "s3-public-object")
    assert res.status == "pass", res.message
    assert res.evidence["object_url"].endswith("/b-public.png")


def test_no_public_object_says_how_many_were_looked_at(moto_url, build):
    built = build(Scenario(public_route="none"))
    c = s3(moto_url, built, "ca-central-1")
    for i in range(6):
        c.put_object(Bucket=built.scenario.public_name, Key=f"a-{i}.txt", Body=b"x", ACL="private")
    res = run(context(moto_url, built), "s3-public-object")
    assert res.status == "fail"
    assert "7 objects looked at" in res.message


def test_a_redirect_to_the_anonymous_request_is_not_a_refusal(moto_url, build):
    built = build(Scenario())
    access = access_for(moto_url, built, **{
        "before-send.s3.GetObject": lambda request, **_: None if "Authorization" in request.headers
        else s3_error(301, "PermanentRedirect")()})
    res = run(context(moto_url, built, access=access), "s3-public-object")
    assert res.status == "error"
    assert res.message.startswith("Could not be determined")
    assert "refused" not in res.message


def test_a_directory_bucket_name_errors_only_its_items(moto_url, build, grade):
    """botocore signs calls on a `--x-s3` bucket with a CreateSession session: the guard refuses
    that call. The bucket named by the notebooks is then unreadable: its items are `error`, the
    other items are graded."""
    built = build(Scenario())
    express = unique("mine") + "--use1-az4--x-s3"
    # the test's own client makes the bucket without S3 Express session auth (moto has no CreateSession)
    s3(moto_url, built, "us-east-1", disable_s3_express_session_auth=True).create_bucket(Bucket=express)
    # a whole grading run: the express bucket is passed over by the scans, nothing aborts
    report = grade(built, regions=("us-east-2",))
    assert report.status != "error"
    assert item(report, "s3-private-bucket").status == "pass"
    # named by the rubric's pattern: only the private-bucket items are `error`
    ctx2 = context(moto_url, built, private_bucket_patterns=[express])
    res2 = run(ctx2, "s3-private-bucket")
    assert res2.status == "error" and "S3 Express directory bucket" in res2.message
    assert run(ctx2, "s3-public-bucket").status == "pass"
    assert run(ctx2, "iam-admin-user").status == "pass"
