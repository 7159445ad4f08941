"""S3 items for the public bucket (lesson steps 3-4): the bucket allows public access, and one of its
objects is readable by anyone.

Which bucket is the public one is a derived fact decided once per run with the rubric-level
params (`ctx.account.public_bucket()`, see grader/facts/buckets.py for the routes and for how
public access is decided from configuration); these checks only read it and decide.

- `s3-public-object` confirms with an unsigned ranged GET (`confirm_anonymous`). The analysis
  decides, the request confirms: an object the analysis finds private is never called public.
  Analysis public but S3 answered the anonymous GET 403: `fail` with both in evidence (something
  the configuration does not show stops readers, e.g. an organisation policy or KMS encryption).
  Analysis public but the request could not be made (no connection, timeout, 5xx): `error`.
  It needs no IAM permission for its anonymous request (it is unsigned).
- `s3-public-object` reads the ACLs of the few objects it inspects where ACLs are enabled, and
  reports a neutralised public-read grant in evidence, since that is the usual reason a
  student's "public" object is not readable.
- Region and name are advisory (`warn`, full points): the public bucket should be in
  `public_region` with a name following `public_bucket_patterns` (both rubric-level params).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from checks._common import (
    GRADER_ACCESS,
    S3_BASE_PERMISSIONS,
    S3_CONFIG_PERMISSIONS,
    STEP3,
    Params,
    failed,
    partial,
    passed,
    result,
)
from grader.context import Context
from grader.facts.account import Account
from grader.facts.buckets import ACL_PROBES, BPA_FLAGS, LIST_LIMIT, BlockPublicAccess, Identified
from grader.facts.s3_policy import analyse_policy, public_grants
from grader.models import CheckResult, Status
from grader.registry import check

ANONYMOUS_PROBES = 3  # unsigned GETs made by s3-public-object (a budget bound)


class PublicObjectParams(Params):
    confirm_anonymous: bool = True  # confirm the configuration's verdict with an unsigned GET


def object_url(bucket: str, region: str, key: str) -> str:
    return f"https://{bucket}.s3.{region}.amazonaws.com/{quote(key, safe='/~')}"


def no_public(account: Account) -> CheckResult:
    return failed(
        f"No public bucket was identified: no bucket matches {account.settings.params.public_bucket_patterns} and "
        "no other bucket's configuration lets the public read it.", **account.bucket_list())


@check(
    "s3-public-bucket",
    title="A public S3 bucket allows public access",
    category="S3",
    permissions=[*S3_BASE_PERMISSIONS, *S3_CONFIG_PERMISSIONS, "s3:GetBucketOwnershipControls", "s3:GetBucketPolicy",
                 "s3:GetBucketAcl", "s3:GetObjectAcl"],
    remediation=f"{STEP3}: create a bucket named like `public-share-<timestamp>` in Canada (Central) and untick "
    "\"Block all public access\", with all four options below it unticked.",
)
def s3_public_bucket(ctx: Context, params: Params) -> CheckResult:
    """Pass: all four Block Public Access flags effectively off. Partial: a public-read route is
    open while other flags are on. Warn: not in `public_region`, or not named by the pattern."""
    account = ctx.account
    found = account.public_bucket()
    if not found:
        return no_public(account)
    run = account.settings.params
    bpa = account.block_public_access(found.name)
    evidence: dict[str, Any] = {**found.evidence(), "block_public_access": bpa.evidence()}
    advice = []
    if found.region != run.public_region:
        advice.append(f"it is in {found.region}, not {run.public_region}")
    if found.route != "name-pattern":
        advice.append(f"its name does not follow the rubric's pattern {run.public_bucket_patterns}")
    if advice:
        evidence["advisory"] = advice
    if bpa.all_off:
        if advice:
            return result(Status.WARN, f"Bucket {found.name} allows public access, but {' and '.join(advice)}.",
                          remediation=f"{STEP3}: the lesson puts the public bucket in Canada (Central) and names it "
                          "`public-share-<timestamp>`; this is advice, not a deduction.", **evidence)
        return passed(f"Bucket {found.name} ({found.region}) allows public access.", **evidence)
    routes = _open_routes(account, found.name, bpa, evidence)
    evidence["flags_on"] = [f for f in BPA_FLAGS if bpa.on(f)]
    if routes:
        evidence["public_read_routes_open"] = routes
        return partial(f"Bucket {found.name} {' and '.join(ROUTE_WORDS[r] for r in routes)}, but Block Public "
                       f"Access is still on for {', '.join(evidence['flags_on'])}.", **evidence)
    return failed(f"Bucket {found.name} is the public bucket, but Block Public Access blocks every public read "
                  f"({', '.join(evidence['flags_on'])} on).", **evidence)


ROUTE_WORDS = {  # how each open route reads in a message
    "ACL": "lets an ACL grant public reads (none needs to be in place yet)",
    "ACL (already in place)": "is publicly readable by an ACL grant already in place",
    "bucket policy": "would let a bucket policy grant public reads (no such policy is in place)",
    "bucket policy (already in place)": "is publicly readable by its bucket policy",
}


def _open_routes(account: Account, bucket: str, bpa: BlockPublicAccess, evidence: dict[str, Any]) -> list[str]:
    """Routes by which the public can read while some flags are on. ACL: IgnorePublicAcls off and
    ACLs enabled, and BlockPublicAcls off or a public ACL already in place (BlockPublicAcls only
    refuses new public ACLs: an existing grant keeps working while IgnorePublicAcls is off).
    Policy: RestrictPublicBuckets off, and BlockPublicPolicy off or a public policy already in
    place (BlockPublicPolicy only refuses new ones)."""
    routes = []
    if not bpa.on("IgnorePublicAcls"):
        enabled, ownership = account.acls_enabled(bucket)
        evidence["object_ownership"] = ownership
        if enabled:
            existing = _existing_public_acl(account, bucket)
            if existing:
                evidence["public_acl_in_place"] = existing
            if existing:
                routes.append("ACL (already in place)")
            elif not bpa.on("BlockPublicAcls"):
                routes.append("ACL")
    if not bpa.on("RestrictPublicBuckets"):
        analysis = analyse_policy(account.s3.policy(bucket), bucket)
        evidence["bucket_policy"] = analysis.evidence()
        if analysis.public:
            routes.append("bucket policy (already in place)")
        elif not bpa.on("BlockPublicPolicy"):
            routes.append("bucket policy")
    return routes


def _existing_public_acl(account: Account, bucket: str) -> str | None:
    """A public-read grant already in place: on the bucket, or on one of its first ACL_PROBES objects."""
    grants = public_grants(account.s3.acl(bucket), authenticated=False)
    if grants:
        return f"the bucket ACL grants {', '.join(grants)}"
    keys, _ = account.keys(bucket, LIST_LIMIT)
    for key in keys[:ACL_PROBES]:
        grants = public_grants(account.s3.object_acl(bucket, key), authenticated=False)
        if grants:
            return f"object {key} has an ACL granting {', '.join(grants)}"
    return None


@check(
    "s3-public-object",
    title="An object in the public bucket is readable by anyone",
    category="S3",
    params=PublicObjectParams,
    permissions=[*S3_BASE_PERMISSIONS, *S3_CONFIG_PERMISSIONS, "s3:GetBucketOwnershipControls", "s3:GetBucketPolicy",
                 "s3:GetBucketAcl", "s3:GetObjectAcl"],
    remediation=f"{STEP3}: upload a file (e.g. public-happy-face.png) to the public bucket and make it readable by "
    "everyone: object > Permissions > Everyone (public access): Read (with ACLs enabled under Object Ownership), "
    "or a bucket policy allowing s3:GetObject to \"*\" on arn:aws:s3:::<bucket>/*; then open its object URL in a "
    "browser.",
)
def s3_public_object(ctx: Context, params: PublicObjectParams) -> CheckResult:
    """Pass: the configuration lets anyone read an object of the public bucket (public-read ACL
    where ACLs count, or a public bucket policy where policies count), confirmed by an anonymous
    GET unless `confirm_anonymous` is false."""
    account = ctx.account
    found = account.public_bucket()
    if not found:
        return no_public(account)
    s3 = account.s3
    keys, listed = account.keys(found.name, LIST_LIMIT)
    evidence: dict[str, Any] = {**found.evidence(), "objects_considered": len(keys)}
    if listed > LIST_LIMIT:
        evidence["more_objects_not_considered"] = f"the bucket holds more than {LIST_LIMIT} objects"
    if not keys:
        return failed(f"The public bucket {found.name} holds no object: upload one and make it public.", **evidence)
    bpa = account.block_public_access(found.name)
    evidence["block_public_access"] = bpa.evidence()
    enabled, ownership = account.acls_enabled(found.name)
    evidence["object_ownership"] = ownership
    policy = s3.policy(found.name)
    evidence["bucket_policy"] = analyse_policy(policy, found.name).evidence()
    candidates = _public_candidates(account, found, keys, bpa, enabled, policy)
    evidence["objects_inspected"] = [c["key"] for c in candidates["inspected"]]
    evidence["analysis"] = candidates["inspected"]
    public = [c for c in candidates["inspected"] if c["public"]]
    if not public:
        looked = len(candidates["inspected"])
        return failed(f"No object in the public bucket {found.name} is readable by anyone: {looked} object"
                      f"{'' if looked == 1 else 's'} looked at"
                      f"{f' (the first {looked} of more than {LIST_LIMIT})' if listed > LIST_LIMIT else ''} "
                      f"({_why_not(bpa, enabled, candidates['inspected'])}).", **evidence)
    if not params.confirm_anonymous:
        pick = public[0]
        evidence["object_url"] = object_url(found.name, found.region, pick["key"])
        evidence["anonymous_request"] = "not made (confirm_anonymous: false)"
        return passed(f"{evidence['object_url']} is readable by anyone ({pick['by']}).", **evidence)
    tried = []
    for cand in public[:ANONYMOUS_PROBES]:
        probe = s3.anonymous_get(found.name, cand["key"])
        url = object_url(found.name, found.region, cand["key"])
        tried.append({"key": cand["key"], "url": url, "answer": probe["answer"], "http_status": probe["http_status"]})
        if probe["ok"]:
            evidence.update(object_url=url, anonymous_request=tried)
            return passed(f"{url} is readable by anyone ({cand['by']}; an anonymous request confirmed it).",
                          **evidence)
    evidence["anonymous_request"] = tried
    # no answer, a server error, or a redirect (3xx: e.g. the wrong region's endpoint) decide nothing
    unanswered = [t for t in tried if t["http_status"] is None or int(t["http_status"]) >= 500
                  or 300 <= int(t["http_status"]) < 400]
    if unanswered:
        return result(Status.ERROR, f"Could not be determined: the configuration makes {unanswered[0]['key']} public, "
                      f"but the anonymous request to confirm it could not be made ({unanswered[0]['answer']}). A "
                      "person must look at this item.", remediation=GRADER_ACCESS, **evidence)
    return failed(f"The configuration of {found.name} looks public for {tried[0]['key']}, but S3 refused an "
                  f"anonymous request for it ({tried[0]['answer']}); something the configuration does not show "
                  "(e.g. an organisation policy or KMS encryption) stops public reads.", **evidence)


def _public_candidates(account: Account, found: Identified, keys: list[str], bpa: BlockPublicAccess, enabled: bool,
                       policy: dict[str, Any] | None) -> dict[str, Any]:
    """The objects inspected, each with whether the configuration lets anyone read it and how.
    Objects a policy makes public come first (no call needed); then the ACLs of the first
    ACL_PROBES objects (read even when IgnorePublicAcls is on, to report a neutralised grant)."""
    inspected: list[dict[str, Any]] = []
    analyses = {k: analyse_policy(policy, found.name, k) for k in keys}
    by_policy = [k for k in keys if analyses[k].public] if not bpa.on("RestrictPublicBuckets") else []
    order = by_policy[:ANONYMOUS_PROBES] + [k for k in keys[:ACL_PROBES] if k not in by_policy[:ANONYMOUS_PROBES]]
    for key in order:
        analysis = analyses[key]
        entry: dict[str, Any] = {"key": key, "public": False}
        if analysis.allows or analysis.denies or analysis.conditional_denies or analysis.conditional_allows:
            entry["policy"] = analysis.evidence()
        if key in by_policy:
            entry.update(public=True, by=f"bucket policy statement {', '.join(analysis.allows)}")
        elif analysis.allows and bpa.on("RestrictPublicBuckets"):
            entry["policy_neutralised"] = "RestrictPublicBuckets is on"
        if analysis.denies or analysis.conditional_denies:
            # an explicit Deny for anonymous readers wins over any ACL grant: no need to read it
            entry["denied_by_policy"] = analysis.denies + analysis.conditional_denies
        elif enabled and not entry["public"]:
            grants = public_grants(account.s3.object_acl(found.name, key), authenticated=False)
            if grants:
                entry["acl_public_grants"] = grants
                if bpa.on("IgnorePublicAcls"):
                    entry["acl_neutralised"] = "IgnorePublicAcls is on: S3 ignores this grant"
                else:
                    entry.update(public=True, by=f"its ACL grants {', '.join(grants)}")
        inspected.append(entry)
    return {"inspected": inspected}


def _why_not(bpa: BlockPublicAccess, acls_on: bool, inspected: list[dict[str, Any]]) -> str:
    reasons = []
    if any("acl_neutralised" in c for c in inspected):
        reasons.append("a public-read ACL is ignored because IgnorePublicAcls is on")
    if any("policy_neutralised" in c for c in inspected):
        reasons.append("a public bucket policy is neutralised by RestrictPublicBuckets")
    if any("denied_by_policy" in c for c in inspected):
        reasons.append("a Deny statement of the bucket policy stops anonymous reads")
    if not reasons:
        reasons.append("no public-read object ACL" + ("" if acls_on else " (ACLs are disabled)")
                       + " and no bucket policy letting \"*\" get the objects without conditions")
    return "; ".join(reasons)
