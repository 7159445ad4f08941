"""The student's two buckets and how S3 would treat them (derived facts, decided once per run).

Which bucket is which is decided by evidence, in the spec's order, with the rubric-level params
(grader.facts.params.RunParams), so every S3 and SageMaker item names the same buckets:

- private: (1) a bucket the submitted notebooks name that exists in the account (a notebook bucket
  matching the public patterns is not taken); (2) a bucket matching `private_bucket_patterns`
  (several: the one holding the lesson prefix, else the newest); (3) a bucket holding
  `lesson_prefix` (one ListObjectsV2 with MaxKeys=1 per bucket, at most SCAN_LIMIT buckets).
  SageMaker Studio's own `sagemaker-<region>-<account>` bucket counts only by route (1) or (3).
- public: (1) a bucket matching `public_bucket_patterns` (several: one with every Block Public
  Access flag off, in `public_region`, first); (2) any other bucket (not the private one) whose
  configuration lets the public read it (see `public_read_route`; at most SCAN_LIMIT buckets).
  Nothing identified because some bucket could not be read: FactError (never "none").

Public access is decided from configuration, as S3 evaluates it:

- Effective Block Public Access = the bucket's flags OR the account's (S3 Control); a missing
  configuration means "not blocked". When the bucket itself has all four flags on, the account
  setting cannot change anything and is not read.
- An ACL grant counts only where ACLs are enabled (object ownership is not BucketOwnerEnforced)
  and IgnorePublicAcls is effectively off. A bucket policy counts only while RestrictPublicBuckets
  is effectively off. BlockPublicAcls / BlockPublicPolicy only refuse *new* public ACLs and
  policies; what already exists keeps working on AWS, so they do not neutralise it here either.
- Bucket policies are analysed by `grader.facts.s3_policy.analyse_policy`. Decisions: a statement
  with a Condition never grants public access (the spec: "without conditions"); `NotPrincipal` in
  an Allow means everyone but the named principals, so anonymous readers are included (public);
  `NotAction` / `NotResource` are evaluated exactly. An explicit Deny that applies to anonymous
  readers of the object wins over any Allow or ACL. A Deny with a Condition is conservative in
  the direction of each check: it may apply, so `s3-public-object` does not call the object
  public (except the common "deny plain HTTP" statement, `Bool aws:SecureTransport false`, which
  never stops an HTTPS reader), while `s3-private-object` does not count on it to keep an
  object private.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from grader.errors import FactError
from grader.facts.s3_policy import analyse_policy, public_grants
from grader.facts.text import stamp, when

if TYPE_CHECKING:
    from grader.facts.account import Account

BPA_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
STUDIO_BUCKET = re.compile(r"^sagemaker-[a-z]{2}(?:-[a-z]+)+-\d-\d{12}$")

# Budget bounds (cost, not grading thresholds).
SCAN_LIMIT = 50  # buckets probed by the identification routes that look inside buckets
LIST_LIMIT = 50  # objects of a public bucket considered
LISTING_PAGE = 1000  # one ListObjectsV2 page: the same cost as fewer, and shared by every item
ACL_PROBES = 50  # object ACLs read per bucket by s3-public-object and public-bucket route (2): every object considered
LISTED_BUCKETS = 50  # buckets listed in a "none identified" evidence

BucketMention = tuple[str, str | None]  # (bucket name, where the notebooks name it)


def is_directory_bucket(name: str) -> bool:
    """An S3 Express One Zone directory bucket's name (`<base>--<zone id>--x-s3`). Its API is
    signed with a session from CreateSession, a call the read-only guard refuses: such a bucket
    is not read (its items say so), and the identification scans pass over it."""
    return name.endswith("--x-s3")


@dataclass(frozen=True)
class BlockPublicAccess:
    """A bucket's effective Block Public Access (its own flags OR the account's)."""

    effective: dict[str, bool]
    bucket_level: dict[str, bool] | None
    account_level: dict[str, bool] | None | str

    def on(self, flag: str) -> bool:
        return self.effective[flag]

    @property
    def all_off(self) -> bool:
        return not any(self.effective.values())

    def off(self) -> list[str]:
        return [f for f in BPA_FLAGS if not self.effective[f]]

    def evidence(self) -> dict[str, Any]:
        return {"effective": self.effective, "bucket_level": self.bucket_level or "not configured (not blocked)",
                "account_level": self.account_level if self.account_level is not None
                else "not configured (not blocked)"}


def effective_bpa(account: Account, bucket: str) -> BlockPublicAccess:
    own = account.s3.public_access_block(bucket)
    own_flags = {f: bool((own or {}).get(f)) for f in BPA_FLAGS}
    if all(own_flags.values()):
        return BlockPublicAccess(own_flags, own_flags, "not read (the bucket's own flags block everything)")
    acct = account.s3.account_public_access_block()
    account_flags = {f: bool((acct or {}).get(f)) for f in BPA_FLAGS}
    effective = {f: own_flags[f] or account_flags[f] for f in BPA_FLAGS}
    return BlockPublicAccess(effective, own_flags if own else None, account_flags if acct else None)


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


def matches(name: str, patterns: list[str]) -> str | None:
    """The first pattern `name` matches (shell wildcards, case-insensitive), or None."""
    return next((p for p in patterns if fnmatchcase(name.lower(), p.lower())), None)


def _probe(names: list[str], test: Callable[[str], bool], errors: dict[str, str]) -> str | None:
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


def find_private(account: Account, mentioned: tuple[BucketMention, ...]) -> Identified | None:
    p = account.settings.params
    priv, pub, prefix = list(p.private_bucket_patterns), list(p.public_bucket_patterns), p.lesson_prefix
    s3 = account.s3
    buckets = s3.buckets()
    names = [b["Name"] for b in buckets]

    def holds_prefix(name: str) -> bool:
        return bool(s3.objects(name, prefix, 1))

    # (1) named in the notebooks and present in the account
    seen: dict[str, str | None] = {}
    for name, where in mentioned:
        if name in names and not matches(name, pub):
            seen.setdefault(name, where)
    if seen:
        ranked = sorted(seen, key=lambda n: matches(n, priv) is None)  # stable: mention order otherwise
        pick = ranked[0]
        where = f" ({seen[pick]})" if seen[pick] else ""
        return Identified(pick, s3.bucket_region(pick), "notebooks",
                          f"the notebooks name it{where} and it exists in the account", tuple(ranked[1:]))
    # (2) the rubric's name patterns (never Studio's own bucket)
    matched = [n for n in names if matches(n, priv) and not STUDIO_BUCKET.match(n)]
    if matched:
        errors: dict[str, str] = {}
        pick = matched[0]
        how = f"its name matches the rubric pattern {matches(pick, priv)!r}"
        if len(matched) > 1:
            holding = _probe(matched[:SCAN_LIMIT], holds_prefix, errors)
            if holding:
                pick, how = holding, f"its name matches {matches(holding, priv)!r} and it holds {prefix!r}"
            else:
                created = {b["Name"]: b.get("CreationDate") for b in buckets}
                pick = max(matched, key=lambda n: stamp(created.get(n)))
                how = f"its name matches {matches(pick, priv)!r} (the newest of {len(matched)} that do)"
        notes = tuple(f"could not list {b}: {why}" for b, why in errors.items())
        return Identified(pick, s3.bucket_region(pick), "name-pattern", how,
                          tuple(n for n in matched if n != pick), notes)
    # (3) the lesson's prefix (Studio's bucket last, public-pattern buckets not at all)
    candidates = sorted((n for n in names if not matches(n, pub) and not is_directory_bucket(n)),
                        key=lambda n: bool(STUDIO_BUCKET.match(n)))
    errors = {}
    found = _probe(candidates[:SCAN_LIMIT], holds_prefix, errors)
    if found:
        return Identified(found, s3.bucket_region(found), "lesson-prefix",
                          f"no bucket name matches {priv}; it holds the lesson prefix {prefix!r}",
                          notes=tuple(f"could not list {b}: {why}" for b, why in errors.items()))
    if errors:
        raise _cannot_identify("private", errors)
    return None


def find_public(account: Account) -> Identified | None:
    p = account.settings.params
    pub, public_region = list(p.public_bucket_patterns), p.public_region
    s3 = account.s3
    names = [b["Name"] for b in s3.buckets()]
    matched = [n for n in names if matches(n, pub)]
    if matched:
        pick = matched[0]
        if len(matched) > 1:
            def rank(name: str) -> tuple[bool, bool]:
                try:
                    return (not account.block_public_access(name).all_off, s3.bucket_region(name) != public_region)
                except FactError:
                    return (True, True)

            pick = min(matched[:SCAN_LIMIT], key=rank)
        return Identified(pick, s3.bucket_region(pick), "name-pattern",
                          f"its name matches the rubric pattern {matches(pick, pub)!r}",
                          tuple(n for n in matched if n != pick))
    private = account.private_bucket()
    candidates = sorted((n for n in names if (not private or n != private.name) and not is_directory_bucket(n)),
                        key=lambda n: bool(STUDIO_BUCKET.match(n)))
    errors: dict[str, str] = {}
    routes: dict[str, str] = {}

    def readable(name: str) -> bool:
        routes[name] = public_read_route(account, name) or ""
        return bool(routes[name])

    found = _probe(candidates[:SCAN_LIMIT], readable, errors)
    if found:
        return Identified(found, s3.bucket_region(found), "public-configuration",
                          f"no bucket name matches {pub}; its configuration lets the public read it "
                          f"({routes[found]})", notes=tuple(f"could not read {b}: {why}" for b, why in errors.items()))
    if errors:
        raise _cannot_identify("public", errors)
    return None


def public_read_route(account: Account, bucket: str) -> str | None:
    """How the public can read `bucket` or some object in it, by configuration; None if it cannot.
    Looks at the bucket policy, the bucket ACL and the ACLs of its first ACL_PROBES objects."""
    s3 = account.s3
    bpa = account.block_public_access(bucket)
    if not bpa.on("RestrictPublicBuckets"):
        analysis = analyse_policy(s3.policy(bucket), bucket)
        if analysis.public:
            return f"bucket policy statement {', '.join(analysis.allows)} lets anyone get objects"
    if bpa.on("IgnorePublicAcls") or not account.acls_enabled(bucket)[0]:
        return None
    grants = public_grants(s3.acl(bucket), authenticated=False)
    if grants:
        return f"the bucket ACL grants {', '.join(grants)}"
    keys, _ = account.keys(bucket, LIST_LIMIT)
    for key in keys[:ACL_PROBES]:
        grants = public_grants(s3.object_acl(bucket, key), authenticated=False)
        if grants:
            return f"object {key} has an ACL granting {', '.join(grants)}"
    return None


def bucket_list(account: Account) -> dict[str, Any]:
    """The account's buckets (first LISTED_BUCKETS) with their regions, for a "none found"."""
    buckets = account.s3.buckets()
    listed = []
    for b in buckets[:LISTED_BUCKETS]:
        try:
            region = account.s3.bucket_region(b["Name"])
        except FactError as exc:
            region = f"unknown ({exc.reason})"
        listed.append({"name": b["Name"], "region": region, "created": when(b.get("CreationDate"))})
    return {"buckets_found": listed, "buckets_total": len(buckets)}
