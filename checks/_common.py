"""Small helpers shared by check modules: result constructors and evidence formatting."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from grader.models import CheckResult, Status


class Params(BaseModel):
    """Base of every check's params model: unknown keys are errors, not ignored."""

    model_config = ConfigDict(extra="forbid")


def result(status: Status, message: str, /, fraction: float | None = None, remediation: str | None = None,
           **evidence: Any) -> CheckResult:
    return CheckResult(status=status, message=message, evidence=evidence, fraction=fraction, remediation=remediation)


def passed(message: str, /, **evidence: Any) -> CheckResult:
    return result(Status.PASS, message, **evidence)


def failed(message: str, /, **evidence: Any) -> CheckResult:
    return result(Status.FAIL, message, **evidence)


def warned(message: str, /, **evidence: Any) -> CheckResult:
    return result(Status.WARN, message, **evidence)


def partial(message: str, /, fraction: float = 0.5, **evidence: Any) -> CheckResult:
    return result(Status.PARTIAL, message, fraction=fraction, **evidence)


def when(value: Any) -> str | None:
    """A timestamp as ISO text for evidence."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return None if value is None else str(value)


def mask_key(key_id: str) -> str:
    """Access key ids are masked except for their last four characters."""
    return "*" * max(0, len(key_id) - 4) + key_id[-4:]
