"""S3 items (lesson steps 3-4): the student's private and public buckets, and one object in each.

Which bucket is which is decided by evidence, in the spec's order, and shared by every check that
asks (`private_bucket`, `public_bucket`, memoised per run):

- private: (1) a bucket the submitted notebooks name that exists in the account (a notebook bucket
  matching the public patterns is not taken); (2) a bucket matching `private_bucket_patterns`
  (several: the one holding the lesson prefix, else the newest); (3) a bucket holding
  `lesson_prefix` (one ListObjectsV2 with MaxKeys=1 per bucket, at most SCAN_LIMIT buckets).
  SageMaker Studio's own `sagemaker-<region>-<account>` bucket counts only by route (1) or (3).
- public: (1) a bucket matching `public_bucket_patterns` (several: one with every Block Public
  Access flag off, in `public_region`, first); (2) any other bucket (not the private one) whose
  configuration lets the public read it (see `_public_read_route`; at most SCAN_LIMIT buckets).

Public access is decided from configuration, as S3 evaluates it:

- Effective Block Public Access = the bucket's flags OR the account's (S3 Control); a missing
  configuration means "not blocked". When the bucket itself has all four flags on, the account
  setting cannot change anything and is not read.
- An ACL grant counts only where ACLs are enabled (object ownership is not BucketOwnerEnforced)
  and IgnorePublicAcls is effectively off. A bucket policy counts only while RestrictPublicBuckets
  is effectively off. BlockPublicAcls / BlockPublicPolicy only refuse *new* public ACLs and
  policies; what already exists keeps working on AWS, so they do not neutralise it here either.
- Bucket policies are analysed by `analyse_policy`. Decisions: a statement with a Condition never
  grants public access (the spec: "without conditions"); `NotPrincipal` in an Allow means everyone
  but the named principals, so anonymous readers are included (public); `NotAction` /
  `NotResource` are evaluated exactly. An explicit Deny that applies to anonymous readers of the
  object wins over any Allow or ACL. A Deny with a Condition is conservative in the direction of
  each check: it may apply, so `s3-public-object` does not call the object public (except the
  common "deny plain HTTP" statement, `Bool aws:SecureTransport false`, which never stops an HTTPS
  reader), while `s3-private-object` does not count on it to keep an object private.
- `s3-public-object` confirms with an unsigned ranged GET (`confirm_anonymous`). The analysis
  decides, the request confirms: an object the analysis finds private is never called public.
  Analysis public but S3 answered the anonymous GET 403: `fail` with both in evidence (something
  the configuration does not show stops readers, e.g. an organisation policy or KMS encryption).
  Analysis public but the request could not be made (no connection, timeout, 5xx): `error`.
- `s3-private-object` reads object ACLs only when they can matter (ACLs enabled and
  IgnorePublicAcls effectively off), so a large bucket costs one listing. A public-read ACL
  neutralised by IgnorePublicAcls is therefore not read there (it is not public, per the spec);
  `s3-public-object` does read the ACLs of the few objects it inspects where ACLs are enabled, and
  reports a neutralised public-read grant in evidence, since that is the usual reason a student's
  "public" object is not readable.
- Regions are advisory (`warn`, full points): the private bucket should be in a region of the
  student's training jobs (all scanned regions; when there are none, `sagemaker_region`), the
  public one in `public_region` with a name following `public_bucket_patterns`.

`s3-public-object` needs no IAM permission for its anonymous request (it is unsigned).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import quote

from pydantic import Field

from checks._common import Params, failed, partial, passed, result, when
from checks._s3_policy import (  # noqa: F401 - re-exported for the checks' users
    ALL_USERS,
    AUTHENTICATED_USERS,
    PolicyAnalysis,
    analyse_policy,
    covers_all,
    covers_some,
    glob_match,
    public_grants,
)
from grader.aws.facts import POLICY_STATUS_UNREPORTED
from grader.context import Context
from grader.errors import FactError
from grader.models import CheckResult, Status
from grader.registry import check

STEP3 = "Lesson steps 3-4 (Intro to Amazon S3; Creating Amazon S3 Buckets)"
GRADER_ACCESS = ("Not the student's fault as far as we know: check the grader's access (see `grader access-policy`) "
                 "and grade again.")

BPA_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
STUDIO_BUCKET = re.compile(r"^sagemaker-[a-z]{2}(?:-[a-z]+)+-\d-\d{12}$")

# Budget bounds (cost, not grading thresholds).
SCAN_LIMIT = 50  # buckets probed by the identification routes that look inside buckets
LIST_LIMIT = 50  # objects of the public bucket considered
LISTING_PAGE = 1000  # one ListObjectsV2 page: the same cost as fewer, and shared with the SageMaker items
ACL_PROBES = 5  # object ACLs read per bucket by s3-public-object and public-bucket route (2)
ANONYMOUS_PROBES = 3  # unsigned GETs made by s3-public-object
LISTED_BUCKETS = 50  # buckets listed in a "none identified" evidence

BASE_PERMISSIONS = ["s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:ListBucket"]
CONFIG_PERMISSIONS = ["s3:GetBucketPublicAccessBlock", "s3:GetAccountPublicAccessBlock"]


# -- params --------------------------------------------------------------------------------------
class BucketParams(Params):
    """What identifies the two buckets (rubric shared params)."""

    private_bucket_patterns: list[str] = ["sm-models-*"]
    public_bucket_patterns: list[str] = ["public-share-*"]
    lesson_prefix: str = "austin-rainfall-regression/"


class PrivateBucketParams(BucketParams):
    sagemaker_region: str = "us-east-2"
    regions: str | list[str] = "all"


class PrivateObjectParams(BucketParams):
    max_objects: int = Field(50, ge=1)


class PublicBucketParams(BucketParams):
    public_region: str = "ca-central-1"


class PublicObjectParams(PublicBucketParams):
    confirm_anonymous: bool = True



# -- bucket configuration ------------------------------------------------------------------------
@dataclass(frozen=True)
class BlockPublicAccess:
    """A bucket's effective Block Public Access (its own flags OR the account's)."""

    effective: dict[str, bool]
    bucket_level: dict[str, bool] | None
    account_level: dict[str, bool] | None | str

    def on(self, flag: str) -> bool:
        return self.effective[flag]

    @property
    def all_on(self) -> bool:
        return all(self.effective.values())

    @property
    def all_off(self) -> bool:
        return not any(self.effective.values())

    def off(self) -> list[str]:
        return [f for f in BPA_FLAGS if not self.effective[f]]

    def evidence(self) -> dict[str, Any]:
        return {"effective": self.effective, "bucket_level": self.bucket_level or "not configured (not blocked)",
                "account_level": self.account_level if self.account_level is not None
                else "not configured (not blocked)"}


def effective_bpa(ctx: Context, bucket: str) -> BlockPublicAccess:
    own = ctx.aws.s3.public_access_block(bucket)
    own_flags = {f: bool((own or {}).get(f)) for f in BPA_FLAGS}
    if all(own_flags.values()):
        return BlockPublicAccess(own_flags, own_flags, "not read (the bucket's own flags block everything)")
    account = ctx.aws.s3.account_public_access_block()
    account_flags = {f: bool((account or {}).get(f)) for f in BPA_FLAGS}
    effective = {f: own_flags[f] or account_flags[f] for f in BPA_FLAGS}
    return BlockPublicAccess(effective, own_flags if own else None, account_flags if account else None)


def acls_enabled(ctx: Context, bucket: str) -> tuple[bool, str]:
    """(whether ACLs take effect, the object ownership setting as text)."""
    ownership = ctx.aws.s3.ownership(bucket)
    return ownership != "BucketOwnerEnforced", ownership or "not configured (ACLs enabled)"


def _keys(ctx: Context, bucket: str, limit: int) -> tuple[list[str], int]:
    """(keys of the first `limit` objects, folder markers left out; how many objects were listed,
    at most `limit` + 1). The listing is one ListObjectsV2 page of up to LISTING_PAGE objects,
    shared with other checks that list the same bucket."""
    listed = ctx.aws.s3.objects(bucket, "", max(limit + 1, LISTING_PAGE))
    keys = [o["Key"] for o in listed[:limit] if not (o["Key"].endswith("/") and not o.get("Size"))]
    return keys, min(len(listed), limit + 1)


def object_url(bucket: str, region: str, key: str) -> str:
    return f"https://{bucket}.s3.{region}.amazonaws.com/{quote(key, safe='/~')}"


# -- identification ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Identified:
    """A bucket identified as the student's private or public one, and how."""

    name: str
    region: str
    route: str  # notebooks | name-pattern | lesson-prefix | public-configuration
    identified_by: str
    others: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"bucket": self.name, "region": self.region, "identified_by": self.identified_by}
        if self.others:
            out["other_candidates"] = list(self.others)
        if self.notes:
            out["identification_notes"] = list(self.notes)
        return out


def _matches(name: str, patterns: list[str]) -> str | None:
    return next((p for p in patterns if fnmatchcase(name.lower(), p.lower())), None)


def _param(params: Any, name: str) -> Any:
    """A bucket-identification param; other modules' params models may lack some (defaults)."""
    return getattr(params, name, BucketParams.model_fields[name].default)


def _mentioned_buckets(ctx: Context) -> list[tuple[str, str | None]]:
    """(name, where) of the buckets the notebooks mention, first seen first; [] without notebooks.

    Tolerates names, (name, where) pairs, dicts and objects with .name/.where."""
    mentioned = getattr(ctx.notebooks, "mentioned_buckets", None) if ctx.notebooks is not None else None
    if not callable(mentioned):
        return []
    out: list[tuple[str, str | None]] = []
    for m in mentioned() or []:
        if isinstance(m, str):
            name, where = m, None
        elif isinstance(m, tuple | list) and m:
            name, where = m[0], (m[1] if len(m) > 1 else None)
        elif isinstance(m, dict):
            name, where = m.get("name"), m.get("where")
        else:
            name, where = getattr(m, "name", None), getattr(m, "where", None)
        if name:
            name = str(name).removeprefix("s3://").split("/", 1)[0]
            out.append((name, None if where is None else str(where)))
    return out


def _holds_prefix(ctx: Context, bucket: str, prefix: str) -> bool:
    return bool(ctx.aws.s3.objects(bucket, prefix, 1))


def _probe(names: list[str], test, errors: dict[str, str]) -> str | None:
    """The first of `names` for which test(name) is true; buckets that cannot be read go to errors."""
    for name in names:
        try:
            if test(name):
                return name
        except FactError as exc:
            errors[name] = exc.reason
    return None


def _cannot_identify(what: str, errors: dict[str, str]) -> FactError:
    where = "; ".join(f"{b}: {why}" for b, why in list(errors.items())[:5])
    return FactError(f"the {what} bucket", f"no bucket was identified and some could not be read ({where})")


def private_bucket(ctx: Context, params: Any) -> Identified | None:
    """The student's private bucket (or None), identified as the spec says; memoised per run.

    `params` needs `private_bucket_patterns`, `lesson_prefix` and `public_bucket_patterns` (the
    defaults are used for any it lacks). Returns an `Identified`: `.name`, `.region`, `.route`
    ("notebooks" | "name-pattern" | "lesson-prefix") and `.identified_by` (a sentence for
    evidence); `.evidence()` gives all of it as a dict. Raises FactError when nothing could be
    identified because some bucket could not be read."""
    priv = list(_param(params, "private_bucket_patterns"))
    pub = list(_param(params, "public_bucket_patterns"))
    prefix = _param(params, "lesson_prefix")
    mentioned = tuple(_mentioned_buckets(ctx))
    key = ("s3-private-bucket", tuple(priv), tuple(pub), prefix, mentioned)
    return ctx.memo(key, lambda: _find_private(ctx, priv, pub, prefix, list(mentioned)))


def _find_private(ctx: Context, priv: list[str], pub: list[str], prefix: str,
                  mentioned: list[tuple[str, str | None]]) -> Identified | None:
    s3 = ctx.aws.s3
    buckets = s3.buckets()
    names = [b["Name"] for b in buckets]
    # (1) named in the notebooks and present in the account
    seen: dict[str, str | None] = {}
    for name, where in mentioned:
        if name in names and not _matches(name, pub):
            seen.setdefault(name, where)
    if seen:
        ranked = sorted(seen, key=lambda n: _matches(n, priv) is None)  # stable: mention order otherwise
        pick = ranked[0]
        where = f" ({seen[pick]})" if seen[pick] else ""
        return Identified(pick, s3.bucket_region(pick), "notebooks",
                          f"the notebooks name it{where} and it exists in the account", tuple(ranked[1:]))
    # (2) the rubric's name patterns (never Studio's own bucket)
    matched = [n for n in names if _matches(n, priv) and not STUDIO_BUCKET.match(n)]
    if matched:
        errors: dict[str, str] = {}
        pick = matched[0]
        how = f"its name matches the rubric pattern {_matches(pick, priv)!r}"
        if len(matched) > 1:
            holding = _probe(matched[:SCAN_LIMIT], lambda n: _holds_prefix(ctx, n, prefix), errors)
            if holding:
                pick, how = holding, f"its name matches {_matches(holding, priv)!r} and it holds {prefix!r}"
            else:
                created = {b["Name"]: b.get("CreationDate") for b in buckets}
                pick = max(matched, key=lambda n: _stamp(created.get(n)))
                how = f"its name matches {_matches(pick, priv)!r} (the newest of {len(matched)} that do)"
        notes = tuple(f"could not list {b}: {why}" for b, why in errors.items())
        return Identified(pick, s3.bucket_region(pick), "name-pattern", how,
                          tuple(n for n in matched if n != pick), notes)
    # (3) the lesson's prefix (Studio's bucket last, public-pattern buckets not at all)
    candidates = sorted((n for n in names if not _matches(n, pub)), key=lambda n: bool(STUDIO_BUCKET.match(n)))
    errors = {}
    found = _probe(candidates[:SCAN_LIMIT], lambda n: _holds_prefix(ctx, n, prefix), errors)
    if found:
        return Identified(found, s3.bucket_region(found), "lesson-prefix",
                          f"no bucket name matches {priv}; it holds the lesson prefix {prefix!r}",
                          notes=tuple(f"could not list {b}: {why}" for b, why in errors.items()))
    if errors:
        raise _cannot_identify("private", errors)
    return None


def _stamp(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else 0.0


def public_bucket(ctx: Context, params: Any) -> Identified | None:
    """The student's public bucket (or None), identified as the spec says; memoised per run.

    `params` needs `public_bucket_patterns` and `public_region`, plus what `private_bucket`
    needs (route (2) leaves the private bucket out). Returns an `Identified` with `.route`
    "name-pattern" or "public-configuration"."""
    pub = list(_param(params, "public_bucket_patterns"))
    region = getattr(params, "public_region", PublicBucketParams.model_fields["public_region"].default)
    key = ("s3-public-bucket", tuple(pub), region, tuple(_param(params, "private_bucket_patterns")),
           _param(params, "lesson_prefix"))
    return ctx.memo(key, lambda: _find_public(ctx, params, pub, region))


def _find_public(ctx: Context, params: Any, pub: list[str], public_region: str) -> Identified | None:
    s3 = ctx.aws.s3
    names = [b["Name"] for b in s3.buckets()]
    matched = [n for n in names if _matches(n, pub)]
    if matched:
        pick = matched[0]
        if len(matched) > 1:
            def rank(name: str) -> tuple[bool, bool]:
                try:
                    return (not effective_bpa(ctx, name).all_off, s3.bucket_region(name) != public_region)
                except FactError:
                    return (True, True)

            pick = min(matched[:SCAN_LIMIT], key=rank)
        return Identified(pick, s3.bucket_region(pick), "name-pattern",
                          f"its name matches the rubric pattern {_matches(pick, pub)!r}",
                          tuple(n for n in matched if n != pick))
    private = private_bucket(ctx, params)
    candidates = sorted((n for n in names if not private or n != private.name),
                        key=lambda n: bool(STUDIO_BUCKET.match(n)))
    errors: dict[str, str] = {}
    routes: dict[str, str] = {}

    def readable(name: str) -> bool:
        routes[name] = _public_read_route(ctx, name) or ""
        return bool(routes[name])

    found = _probe(candidates[:SCAN_LIMIT], readable, errors)
    if found:
        return Identified(found, s3.bucket_region(found), "public-configuration",
                          f"no bucket name matches {pub}; its configuration lets the public read it "
                          f"({routes[found]})", notes=tuple(f"could not read {b}: {why}" for b, why in errors.items()))
    if errors:
        raise _cannot_identify("public", errors)
    return None


def _public_read_route(ctx: Context, bucket: str) -> str | None:
    """How the public can read `bucket` or some object in it, by configuration; None if it cannot.
    Looks at the bucket policy, the bucket ACL and the ACLs of its first ACL_PROBES objects."""
    s3 = ctx.aws.s3
    bpa = effective_bpa(ctx, bucket)
    if not bpa.on("RestrictPublicBuckets"):
        analysis = analyse_policy(s3.policy(bucket), bucket)
        if analysis.public:
            return f"bucket policy statement {', '.join(analysis.allows)} lets anyone get objects"
    if bpa.on("IgnorePublicAcls") or not acls_enabled(ctx, bucket)[0]:
        return None
    grants = public_grants(s3.acl(bucket), authenticated=False)
    if grants:
        return f"the bucket ACL grants {', '.join(grants)}"
    keys, _ = _keys(ctx, bucket, LIST_LIMIT)
    for key in keys[:ACL_PROBES]:
        grants = public_grants(s3.object_acl(bucket, key), authenticated=False)
        if grants:
            return f"object {key} has an ACL granting {', '.join(grants)}"
    return None


# -- shared result pieces ------------------------------------------------------------------------
def _bucket_list(ctx: Context) -> dict[str, Any]:
    """The account's buckets (first LISTED_BUCKETS) with their regions, for a "none found"."""
    buckets = ctx.aws.s3.buckets()
    listed = []
    for b in buckets[:LISTED_BUCKETS]:
        try:
            region = ctx.aws.s3.bucket_region(b["Name"])
        except FactError as exc:
            region = f"unknown ({exc.reason})"
        listed.append({"name": b["Name"], "region": region, "created": when(b.get("CreationDate"))})
    return {"buckets_found": listed, "buckets_total": len(buckets)}


def _no_private(ctx: Context, params: Any) -> CheckResult:
    return failed(
        f"No private bucket was identified: no bucket named in the notebooks, none matching "
        f"{_param(params, 'private_bucket_patterns')}, none holding {_param(params, 'lesson_prefix')!r}.",
        **_bucket_list(ctx))


def _no_public(ctx: Context, params: Any) -> CheckResult:
    return failed(
        f"No public bucket was identified: no bucket matches {_param(params, 'public_bucket_patterns')} and no "
        "other bucket's configuration lets the public read it.", **_bucket_list(ctx))


def _policy_is_public(ctx: Context, bucket: str) -> tuple[bool, dict[str, Any]]:
    """The bucket's policy status (GetBucketPolicyStatus); where the endpoint does not report it,
    decided by analysing the policy itself (any public Allow without a Condition)."""
    s3 = ctx.aws.s3
    try:
        status = s3.policy_status(bucket)
        text = "no bucket policy" if status is None else ("public" if status else "not public")
        return bool(status), {"policy_status": text, "policy_status_source": "GetBucketPolicyStatus"}
    except FactError as exc:
        if exc.code != POLICY_STATUS_UNREPORTED:
            raise
    analysis = analyse_policy(s3.policy(bucket), bucket, None, None)
    return analysis.grants_public, {
        "policy_status": "public" if analysis.grants_public else "not public",
        "policy_status_source": "the endpoint reported no policy status; decided by reading the bucket policy",
        "policy": analysis.evidence()}


def _work_regions(ctx: Context, params: PrivateBucketParams) -> tuple[list[str], dict[str, Any]]:
    """The regions of the student's SageMaker work: where their training jobs are (every scanned
    region), else the rubric's `sagemaker_region`. Advisory: unreadable regions are noted only."""
    regions, _skipped, _how = ctx.scan_regions(params.regions)

    def compute() -> tuple[list[str], dict[str, Any]]:
        values, errors = ctx.aws.across(list(regions), ctx.aws.sagemaker.training_jobs)
        with_jobs = sorted(r for r, jobs in values.items() if jobs)
        evidence: dict[str, Any] = {}
        if errors:
            evidence["training_jobs_unreadable"] = {r: why for r, why in sorted(errors.items())}
        if with_jobs:
            evidence["sagemaker_work_regions"] = with_jobs
            evidence["sagemaker_work_from"] = "the regions of your training jobs"
            return with_jobs, evidence
        evidence["sagemaker_work_regions"] = [params.sagemaker_region]
        evidence["sagemaker_work_from"] = (f"no training job found in {len(regions)} scanned regions: "
                                           "the lesson's region")
        return [params.sagemaker_region], evidence

    return ctx.memo(("s3-work-regions", tuple(regions), params.sagemaker_region), compute)


# -- checks --------------------------------------------------------------------------------------
@check(
    "s3-private-bucket",
    title="A private S3 bucket blocks all public access",
    category="S3",
    params=PrivateBucketParams,
    permissions=[*BASE_PERMISSIONS, *CONFIG_PERMISSIONS, "s3:GetBucketPolicyStatus", "s3:GetBucketPolicy",
                 "s3:GetBucketAcl", "sagemaker:ListTrainingJobs", "ec2:DescribeRegions"],
    remediation=f"{STEP3}: create a bucket named like `sm-models-<timestamp>` in the region of your SageMaker work "
    "(US East (Ohio) in the lesson) and tick \"Block all public access\" (all four options); remove any bucket "
    "policy or ACL grant that makes it public.",
)
def s3_private_bucket(ctx: Context, params: PrivateBucketParams):
    """Pass: all four Block Public Access flags effectively on, policy status not public, no ACL
    grant to AllUsers/AuthenticatedUsers. Warn: not in a region of the student's training jobs."""
    found = private_bucket(ctx, params)
    if not found:
        return _no_private(ctx, params)
    s3 = ctx.aws.s3
    bpa = effective_bpa(ctx, found.name)
    evidence: dict[str, Any] = {**found.evidence(), "block_public_access": bpa.evidence()}
    routes = [f"Block Public Access is off for {', '.join(bpa.off())}"] if bpa.off() else []
    try:
        policy_public, policy_evidence = _policy_is_public(ctx, found.name)
        evidence.update(policy_evidence)
        acl = public_grants(s3.acl(found.name))
        evidence["bucket_acl_public_grants"] = acl
    except FactError as exc:
        if not routes:  # the verdict depends on it
            raise
        evidence["not_read"] = f"{exc.what}: {exc.reason}"
        policy_public, acl = False, []
    if policy_public:
        routes.append("its bucket policy is public")
    if acl:
        routes.append(f"its ACL grants {', '.join(acl)}")
    evidence["public_access_routes"] = routes
    if routes:
        return failed(f"Bucket {found.name} is the private bucket, but public access is possible: "
                      f"{'; '.join(routes)}.", **evidence)
    work, work_evidence = _work_regions(ctx, params)
    evidence.update(work_evidence)
    if found.region not in work:
        return result(Status.WARN, f"Bucket {found.name} blocks all public access, but it is in {found.region}, not "
                      f"in the region of your SageMaker work ({', '.join(work)}).",
                      remediation=f"{STEP3}: keep the private bucket in the same region as SageMaker (data and "
                      "training in one region avoid cross-region transfer); this is advice, not a deduction.",
                      **evidence)
    return passed(f"Bucket {found.name} ({found.region}) blocks all public access.", **evidence)


@check(
    "s3-private-object",
    title="The private bucket holds objects, none of them public",
    category="S3",
    params=PrivateObjectParams,
    permissions=[*BASE_PERMISSIONS, *CONFIG_PERMISSIONS, "s3:GetBucketOwnershipControls", "s3:GetBucketPolicy",
                 "s3:GetObjectAcl"],
    remediation=f"{STEP3}: upload a file to the private bucket (Upload) and keep it private: no \"Everyone\" read "
    "permission on the object, no bucket policy letting \"*\" read it, \"Block all public access\" on.",
)
def s3_private_object(ctx: Context, params: PrivateObjectParams):
    """Pass: the private bucket holds objects and none of the first `max_objects` is public."""
    found = private_bucket(ctx, params)
    if not found:
        return _no_private(ctx, params)
    s3 = ctx.aws.s3
    keys, listed = _keys(ctx, found.name, params.max_objects)
    evidence: dict[str, Any] = {**found.evidence(), "objects_inspected": len(keys), "max_objects": params.max_objects}
    if listed > params.max_objects:
        evidence["more_objects_not_inspected"] = (f"the bucket holds more than {params.max_objects} objects; "
                                                  f"the first {params.max_objects} were inspected")
    if not keys:
        return failed(f"The private bucket {found.name} is empty: upload a file to it.", **evidence)
    evidence["examples"] = keys[:5]
    bpa = effective_bpa(ctx, found.name)
    evidence["block_public_access"] = bpa.evidence()
    public: dict[str, str] = {}
    if bpa.on("RestrictPublicBuckets"):
        evidence["bucket_policy"] = "not read: RestrictPublicBuckets is on, so no policy can make an object public"
    else:
        policy = s3.policy(found.name)
        for key in keys:
            analysis = analyse_policy(policy, found.name, key)
            if analysis.possibly_public:
                public[key] = f"bucket policy statement {', '.join(analysis.allows)} lets anyone get it"
        evidence["bucket_policy"] = analyse_policy(policy, found.name).evidence()
    if bpa.on("IgnorePublicAcls"):
        evidence["object_acls"] = "not read: IgnorePublicAcls is on, so no object ACL can make an object public"
    else:
        enabled, ownership = acls_enabled(ctx, found.name)
        evidence["object_ownership"] = ownership
        if not enabled:
            evidence["object_acls"] = "not read: ACLs are disabled (BucketOwnerEnforced)"
        else:
            evidence["object_acls"] = f"read for {len(keys)} objects"
            for key in keys:
                grants = public_grants(s3.object_acl(found.name, key))
                if grants and key not in public:
                    public[key] = f"its ACL grants {', '.join(grants)}"
    if public:
        evidence["public_objects"] = [{"key": k, "why": why} for k, why in public.items()]
        first = next(iter(public))
        return failed(f"{len(public)} object(s) in the private bucket {found.name} can be read by anyone, e.g. "
                      f"{first} ({public[first]}).", **evidence)
    return passed(f"The private bucket {found.name} holds objects ({len(keys)} inspected), none public.", **evidence)


@check(
    "s3-public-bucket",
    title="A public S3 bucket allows public access",
    category="S3",
    params=PublicBucketParams,
    permissions=[*BASE_PERMISSIONS, *CONFIG_PERMISSIONS, "s3:GetBucketOwnershipControls", "s3:GetBucketPolicy",
                 "s3:GetBucketAcl", "s3:GetObjectAcl"],
    remediation=f"{STEP3}: create a bucket named like `public-share-<timestamp>` in Canada (Central) and untick "
    "\"Block all public access\", with all four options below it unticked.",
)
def s3_public_bucket(ctx: Context, params: PublicBucketParams):
    """Pass: all four Block Public Access flags effectively off. Partial: a public-read route is
    open while other flags are on. Warn: not in `public_region`, or not named by the pattern."""
    found = public_bucket(ctx, params)
    if not found:
        return _no_public(ctx, params)
    bpa = effective_bpa(ctx, found.name)
    evidence: dict[str, Any] = {**found.evidence(), "block_public_access": bpa.evidence()}
    advice = []
    if found.region != params.public_region:
        advice.append(f"it is in {found.region}, not {params.public_region}")
    if found.route != "name-pattern":
        advice.append(f"its name does not follow the rubric's pattern {params.public_bucket_patterns}")
    if advice:
        evidence["advisory"] = advice
    if bpa.all_off:
        if advice:
            return result(Status.WARN, f"Bucket {found.name} allows public access, but {' and '.join(advice)}.",
                          remediation=f"{STEP3}: the lesson puts the public bucket in Canada (Central) and names it "
                          "`public-share-<timestamp>`; this is advice, not a deduction.", **evidence)
        return passed(f"Bucket {found.name} ({found.region}) allows public access.", **evidence)
    routes = _open_routes(ctx, found.name, bpa, evidence)
    evidence["flags_on"] = [f for f in BPA_FLAGS if bpa.on(f)]
    if routes:
        evidence["public_read_routes_open"] = routes
        return partial(f"Bucket {found.name} lets the public read by {' and '.join(routes)}, but Block Public "
                       f"Access is still on for {', '.join(evidence['flags_on'])}.", **evidence)
    return failed(f"Bucket {found.name} is the public bucket, but Block Public Access blocks every public read "
                  f"({', '.join(evidence['flags_on'])} on).", **evidence)


def _open_routes(ctx: Context, bucket: str, bpa: BlockPublicAccess, evidence: dict[str, Any]) -> list[str]:
    """Routes by which the public can read while some flags are on. ACL: IgnorePublicAcls and
    BlockPublicAcls off and ACLs enabled. Policy: RestrictPublicBuckets off, and BlockPublicPolicy
    off or a public policy already in place (BlockPublicPolicy only refuses new ones)."""
    routes = []
    if not bpa.on("IgnorePublicAcls") and not bpa.on("BlockPublicAcls"):
        enabled, ownership = acls_enabled(ctx, bucket)
        evidence["object_ownership"] = ownership
        if enabled:
            routes.append("ACL")
    if not bpa.on("RestrictPublicBuckets"):
        if not bpa.on("BlockPublicPolicy"):
            routes.append("bucket policy")
        else:
            analysis = analyse_policy(ctx.aws.s3.policy(bucket), bucket)
            evidence["bucket_policy"] = analysis.evidence()
            if analysis.public:
                routes.append("bucket policy (already in place)")
    return routes


@check(
    "s3-public-object",
    title="An object in the public bucket is readable by anyone",
    category="S3",
    params=PublicObjectParams,
    permissions=[*BASE_PERMISSIONS, *CONFIG_PERMISSIONS, "s3:GetBucketOwnershipControls", "s3:GetBucketPolicy",
                 "s3:GetBucketAcl", "s3:GetObjectAcl"],
    remediation=f"{STEP3}: upload a file (e.g. public-happy-face.png) to the public bucket and make it readable by "
    "everyone: object > Permissions > Everyone (public access): Read (with ACLs enabled under Object Ownership), "
    "or a bucket policy allowing s3:GetObject to \"*\" on arn:aws:s3:::<bucket>/*; then open its object URL in a "
    "browser.",
)
def s3_public_object(ctx: Context, params: PublicObjectParams):
    """Pass: the configuration lets anyone read an object of the public bucket (public-read ACL
    where ACLs count, or a public bucket policy where policies count), confirmed by an anonymous
    GET unless `confirm_anonymous` is false."""
    found = public_bucket(ctx, params)
    if not found:
        return _no_public(ctx, params)
    s3 = ctx.aws.s3
    keys, listed = _keys(ctx, found.name, LIST_LIMIT)
    evidence: dict[str, Any] = {**found.evidence(), "objects_considered": len(keys)}
    if listed > LIST_LIMIT:
        evidence["more_objects_not_considered"] = f"the bucket holds more than {LIST_LIMIT} objects"
    if not keys:
        return failed(f"The public bucket {found.name} holds no object: upload one and make it public.", **evidence)
    bpa = effective_bpa(ctx, found.name)
    evidence["block_public_access"] = bpa.evidence()
    enabled, ownership = acls_enabled(ctx, found.name)
    evidence["object_ownership"] = ownership
    policy = s3.policy(found.name)
    evidence["bucket_policy"] = analyse_policy(policy, found.name).evidence()
    candidates = _public_candidates(ctx, found, keys, bpa, enabled, policy)
    evidence["objects_inspected"] = [c["key"] for c in candidates["inspected"]]
    evidence["analysis"] = candidates["inspected"]
    public = [c for c in candidates["inspected"] if c["public"]]
    if not public:
        return failed(f"No object in the public bucket {found.name} is readable by anyone "
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
    unanswered = [t for t in tried if t["http_status"] is None or int(t["http_status"]) >= 500]
    if unanswered:
        return result(Status.ERROR, f"Could not be determined: the configuration makes {unanswered[0]['key']} public, "
                      f"but the anonymous request to confirm it could not be made ({unanswered[0]['answer']}). A "
                      "person must look at this item.", remediation=GRADER_ACCESS, **evidence)
    return failed(f"The configuration of {found.name} looks public for {tried[0]['key']}, but S3 refused an "
                  f"anonymous request for it ({tried[0]['answer']}); something the configuration does not show "
                  "(e.g. an organisation policy or KMS encryption) stops public reads.", **evidence)


def _public_candidates(ctx: Context, found: Identified, keys: list[str], bpa: BlockPublicAccess, enabled: bool,
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
            grants = public_grants(ctx.aws.s3.object_acl(found.name, key), authenticated=False)
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
