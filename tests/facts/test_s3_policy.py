"""The bucket policy and ACL analysis (pure functions, no AWS)."""

from __future__ import annotations

import pytest

from grader.facts.s3_policy import analyse_policy, covers_all, covers_some, glob_match, public_grants

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


def test_public_grants():
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
