"""Bucket policy and ACL analysis: pure functions over the documents S3 returns, no AWS calls.
Used by the bucket identification (grader.facts.buckets) and the S3 checks; the decisions are
documented in grader/facts/buckets.py's docstring."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
READ_PERMISSIONS = frozenset({"READ", "FULL_CONTROL"})


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def glob_match(pattern: str, text: str, *, case: bool = True) -> bool:
    """IAM wildcard matching: `*` any run of characters (`/` included), `?` exactly one."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.DOTALL | (0 if case else re.IGNORECASE)) is not None


def _states_after(pattern: str, prefix: str) -> set[int]:
    """Positions of `pattern` reachable once `prefix` has been matched from its start."""

    def close(states: set[int]) -> set[int]:
        out, todo = set(states), list(states)
        while todo:
            i = todo.pop()
            if i < len(pattern) and pattern[i] == "*" and i + 1 not in out:
                out.add(i + 1)
                todo.append(i + 1)
        return out

    states = close({0})
    for ch in prefix:
        step = set()
        for i in states:
            if i < len(pattern):
                if pattern[i] == "*":
                    step.add(i)
                elif pattern[i] == "?" or pattern[i] == ch:
                    step.add(i + 1)
        states = close(step)
        if not states:
            break
    return states


def covers_some(pattern: str, prefix: str) -> bool:
    """Whether `pattern` matches `prefix` + s for some non-empty s (some object under prefix)."""
    return any(i < len(pattern) for i in _states_after(pattern, prefix))


def covers_all(pattern: str, prefix: str) -> bool:
    """Whether `pattern` matches `prefix` + s for every non-empty s (every object under prefix)."""
    for i in _states_after(pattern, prefix):
        rest = pattern[i:]
        if "*" in rest and set(rest) <= {"*", "?"} and rest.count("?") <= 1:
            return True
    return False


def _public_principal(stmt: dict[str, Any]) -> bool:
    """Whether the statement applies to anonymous requesters."""
    if "NotPrincipal" in stmt:
        return True  # everyone but the principals named; an anonymous requester cannot be named
    principal = stmt.get("Principal")
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in _as_list(principal.get("AWS"))


def _covers_action(stmt: dict[str, Any], action: str | None) -> bool:
    """Whether the statement covers `action` (None: any S3 action)."""
    if "NotAction" in stmt:
        excluded = [str(a).lower() for a in _as_list(stmt["NotAction"])]
        if action is None:
            return not any(covers_all(a, "s3:") for a in excluded)
        return not any(glob_match(a, action.lower()) for a in excluded)
    patterns = [str(a).lower() for a in _as_list(stmt.get("Action"))]
    if action is None:
        return any(covers_some(a, "s3:") for a in patterns)
    return any(glob_match(a, action.lower()) for a in patterns)


def _covers_resource(stmt: dict[str, Any], bucket: str, key: str | None, *, every: bool, action: str | None) -> bool:
    """Whether the statement's resources cover the object `key` of `bucket`. With key None: some
    object of the bucket (every=False) or every object (every=True); with action None the bucket
    itself counts too."""
    objects = f"arn:aws:s3:::{bucket}/"
    bucket_arn = f"arn:aws:s3:::{bucket}"

    def hits(pattern: str, all_of_them: bool) -> bool:
        if key is not None:
            return glob_match(pattern, objects + key)
        if action is None and not all_of_them and glob_match(pattern, bucket_arn):
            return True
        return covers_all(pattern, objects) if all_of_them else covers_some(pattern, objects)

    if "NotResource" in stmt:
        excluded = [str(r) for r in _as_list(stmt["NotResource"])]
        return not any(hits(r, not every) for r in excluded)
    return any(hits(str(r), every) for r in _as_list(stmt.get("Resource")))


def _tls_only(condition: Any) -> bool:
    """The "deny plain HTTP" condition: `{"Bool": {"aws:SecureTransport": "false"}}`."""
    if not isinstance(condition, dict) or len(condition) != 1:
        return False
    (operator, body), = condition.items()
    if str(operator).lower() != "bool" or not isinstance(body, dict) or len(body) != 1:
        return False
    (name, value), = body.items()
    return str(name).lower() == "aws:securetransport" and [str(v).lower() for v in _as_list(value)] == ["false"]


@dataclass
class PolicyAnalysis:
    """Which statements of a bucket policy let anonymous readers in, or keep them out.

    Each list holds statement labels (the Sid, else `#<n>`)."""

    allows: list[str] = field(default_factory=list)  # unconditional Allow to the public
    conditional_allows: list[str] = field(default_factory=list)  # the same with a Condition: not counted
    denies: list[str] = field(default_factory=list)  # unconditional Deny covering anonymous readers
    conditional_denies: list[str] = field(default_factory=list)  # Deny with a Condition: may apply
    tls_only_denies: list[str] = field(default_factory=list)  # deny plain HTTP only: never stops HTTPS
    has_policy: bool = False

    @property
    def public(self) -> bool:
        """Anyone can read (conservative: a conditional Deny may apply)."""
        return bool(self.allows) and not self.denies and not self.conditional_denies

    @property
    def possibly_public(self) -> bool:
        """Anyone might read (conservative the other way: a conditional Deny is not relied on)."""
        return bool(self.allows) and not self.denies

    @property
    def grants_public(self) -> bool:
        """Some statement grants the public access, whatever Deny says (like S3's policy status)."""
        return bool(self.allows)

    def evidence(self) -> dict[str, Any]:
        if not self.has_policy:
            return {"bucket_policy": "none"}
        out: dict[str, Any] = {"public_allow_statements": self.allows}
        for name in ("conditional_allows", "denies", "conditional_denies", "tls_only_denies"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        return out


def analyse_policy(policy: dict[str, Any] | None, bucket: str, key: str | None = None,
                   action: str | None = "s3:GetObject") -> PolicyAnalysis:
    """Analyse a bucket policy for anonymous access to `action` (None: any S3 action) on object
    `key` (None: some object of the bucket, or the bucket itself when action is None).

    Allow statements count when they apply to the public (Principal "*", {"AWS": "*"}, or a
    NotPrincipal), cover the action (wildcards like s3:*, s3:Get*, *; NotAction exactly) and the
    resource (ARN patterns; NotResource exactly), and have no Condition. Deny statements that apply
    to anonymous requesters and cover the action and the object (with key None: every object)
    are reported as `denies`, or `conditional_denies` / `tls_only_denies` when they have a
    Condition. See the module docstring for why."""
    out = PolicyAnalysis(has_policy=bool(policy))
    statements = _as_list((policy or {}).get("Statement"))
    for n, stmt in enumerate(statements, start=1):
        if not isinstance(stmt, dict):
            continue
        label = str(stmt.get("Sid") or f"#{n}")
        effect = str(stmt.get("Effect", "")).lower()
        if effect not in ("allow", "deny") or not _public_principal(stmt) or not _covers_action(stmt, action):
            continue
        if not _covers_resource(stmt, bucket, key, every=effect == "deny", action=action):
            continue
        condition = stmt.get("Condition")
        if effect == "allow":
            (out.conditional_allows if condition else out.allows).append(label)
        elif not condition:
            out.denies.append(label)
        else:
            (out.tls_only_denies if _tls_only(condition) else out.conditional_denies).append(label)
    return out


def public_grants(grants: list[dict[str, Any]], *, authenticated: bool = True,
                  any_permission: bool = False) -> list[str]:
    """Read grants to everyone (and, when asked, to any AWS user), e.g. ["AllUsers READ"]; with
    `any_permission`, grants of any permission (WRITE, WRITE_ACP, READ_ACP too: the private
    bucket must grant those groups nothing at all)."""
    groups = {ALL_USERS} | ({AUTHENTICATED_USERS} if authenticated else set())
    return [f"{g['Grantee']['URI'].rsplit('/', 1)[-1]} {g.get('Permission')}" for g in grants
            if (g.get("Grantee") or {}).get("URI") in groups
            and (any_permission or g.get("Permission") in READ_PERMISSIONS)]
