"""Typed hand-offs between the stages: check results, scored items, the student report.

Scores and totals are computed from items, never stored twice (see `StudentReport.score`).
The JSON shape is the contract of ../shared/spec/interface.md (schema grader.student-report/1).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Status(StrEnum):
    PASS = "pass"
    PARTIAL = "partial"
    FAIL = "fail"
    WARN = "warn"
    ERROR = "error"
    SKIP = "skip"
    MANUAL = "manual"


# Statuses that make a report (and `check`'s exit code) "not passing".
FAILING = frozenset({Status.FAIL, Status.PARTIAL, Status.ERROR})


class CheckResult(BaseModel):
    """What a check function returns: a verdict with the evidence behind it.

    `fraction` is the share of points earned for `partial` (0 < fraction < 1); other statuses
    ignore it. `remediation` overrides the check's default remediation text when given.
    """

    status: Status
    message: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    fraction: float | None = None
    remediation: str | None = None


class Points(BaseModel):
    earned: float
    possible: float


class ItemResult(BaseModel):
    id: str
    title: str
    category: str
    status: Status
    points: Points
    message: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    remediation: str | None = None
    duration_ms: int = 0


class StudentInfo(BaseModel):
    id: str
    name: str | None = None
    email: str | None = None
    account_id: str | None = None


class RubricInfo(BaseModel):
    id: str
    title: str
    version: str


class Score(BaseModel):
    earned: float
    possible: float
    percent: float


class StudentReport(BaseModel):
    schema_: str = Field("grader.student-report/1", alias="schema")
    student: StudentInfo
    rubric: RubricInfo
    status: str  # pass | fail | error
    score: Score
    items: list[ItemResult] = Field(default_factory=list)
    message: str | None = None  # why a student could not be graded (status error)
    stats: dict[str, Any] = Field(default_factory=dict)
    generated_at: str
    grader_version: str
    synthetic: bool = False  # true for the demo's made-up class

    model_config = {"populate_by_name": True}

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=False)
