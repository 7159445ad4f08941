"""The check registry: each check is a small function with its metadata beside it.

A check module declares a check like this::

    class Params(BaseModel):
        user_name: str = "administrator"

    @check(
        "iam-admin-user",
        title="An IAM user named administrator exists",
        category="IAM",
        params=Params,
        permissions=["iam:ListUsers"],
        remediation="Lesson step 2: create an IAM user named `administrator` ...",
    )
    def iam_admin_user(ctx: Context, params: Params) -> CheckResult: ...

`permissions` are the IAM actions the check's facts need; `grader access-policy` is their union.
The registry knows no check module: `checks.load_checks()` imports them all, so that they register.
`needs` says which inputs the check reads ("aws", "notebooks"); when an input was not given,
the engine reports `skip` with the reason instead of calling the check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

CATEGORIES = ("IAM", "S3", "SageMaker", "Clean-up", "Notebooks", "Reproduction")


class Params(BaseModel):
    """Base of every params model (checks' and the rubric-level one): unknown keys are errors,
    not ignored. A check without params declares this class itself."""

    model_config = ConfigDict(extra="forbid")



@dataclass(frozen=True)
class CheckSpec:
    id: str
    title: str
    category: str
    func: Callable[..., Any]
    params: type[Params]
    permissions: tuple[str, ...]
    remediation: str
    needs: tuple[str, ...] = ("aws",)
    doc: str = field(default="")


REGISTRY: dict[str, CheckSpec] = {}


def check(
    check_id: str,
    *,
    title: str,
    category: str,
    remediation: str,
    params: type[Params] = Params,
    permissions: list[str] | tuple[str, ...] = (),
    needs: tuple[str, ...] = ("aws",),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a check function under `check_id` with its metadata."""
    if category not in CATEGORIES:
        raise ValueError(f"check {check_id}: unknown category {category!r}")

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if check_id in REGISTRY and REGISTRY[check_id].func is not func:
            raise ValueError(f"check id {check_id!r} is registered twice")
        REGISTRY[check_id] = CheckSpec(
            id=check_id,
            title=title,
            category=category,
            func=func,
            params=params,
            permissions=tuple(permissions),
            remediation=remediation.strip(),
            needs=tuple(needs),
            doc=(func.__doc__ or "").strip(),
        )
        return func

    return register
