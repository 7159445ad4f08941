"""Typed hand-offs between the stages: check results, scored items, the student report.

Scores and totals are computed from items, never stored twice (see `StudentReport.score`).
The JSON shape is the contract of ../shared/spec/interface.md (schema grader.student-report/1).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

STUDENT_SCHEMA = "grader.student-report/1"
CLASS_SCHEMA = "grader.class-report/1"


class Status(StrEnum):
    """An item's status (../shared/spec/rubric-sagemaker-13.2.md), in display order."""

    PASS = "pass"
    WARN = "warn"
    PARTIAL = "partial"
    FAIL = "fail"
    ERROR = "error"
    SKIP = "skip"
    MANUAL = "manual"


    @property
    def look(self) -> StatusLook:
        return STATUS_LOOKS[self]


class ReportStatus(StrEnum):
    """A whole report's status: `pass` when no item is failing, `error` when the student could
    not be graded at all, else `fail`."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"

    @property
    def look(self) -> StatusLook:
        return REPORT_LOOKS[self]


@dataclass(frozen=True)
class StatusLook:
    """How a status is shown, in every format: one vocabulary."""

    label: str  # upper-case word, readable without colour
    symbol: str  # a second cue, also readable without colour
    meaning: str  # one short phrase for legends and tooltips


STATUS_LOOKS: dict[Status, StatusLook] = {
    Status.PASS: StatusLook("PASS", "\u2713", "done, full points"),
    Status.WARN: StatusLook("WARN", "\u26a0", "full points, with advice"),
    Status.PARTIAL: StatusLook("PARTIAL", "\u25d0", "some points: something is missing"),
    Status.FAIL: StatusLook("FAIL", "\u2717", "not done yet: no points"),
    Status.ERROR: StatusLook("ERROR", "?", "could not be checked: a person will look"),
    Status.SKIP: StatusLook("SKIPPED", "\u2013", "not graded here (not counted)"),
    Status.MANUAL: StatusLook("MANUAL", "\u270e", "a person decides (not counted)"),
}
REPORT_LOOKS: dict[ReportStatus, StatusLook] = {
    ReportStatus.PASS: StatusLook("PASSING", "\u2713", "every item passed"),
    ReportStatus.FAIL: StatusLook("NOT YET PASSING", "\u2717", "some items need work"),
    ReportStatus.ERROR: StatusLook("NOT GRADED", "?", "the grader could not grade this student"),
}
UNKNOWN_LOOK = StatusLook("UNKNOWN", "?", "unknown status")

# The status sets, defined once.
STATUS_ORDER = tuple(Status)  # display order: pass warn partial fail error skip manual
FULL_POINTS = frozenset({Status.PASS, Status.WARN})
FAILING = frozenset({Status.FAIL, Status.PARTIAL, Status.ERROR})  # "not passing": report status, exit 1
NOT_COUNTED = frozenset({Status.SKIP, Status.MANUAL})  # 0 of 0 points
ASSESSED = frozenset(Status) - NOT_COUNTED  # counted in the score
ADVISORY = frozenset({Status.WARN})


def look(status: str | None) -> StatusLook:
    """The look of an item status given as text (unknown text: UNKNOWN_LOOK)."""
    try:
        return Status(status).look
    except ValueError:
        return UNKNOWN_LOOK


def report_look(status: str | None) -> StatusLook:
    """The look of a report status given as text (unknown text: UNKNOWN_LOOK)."""
    try:
        return ReportStatus(status).look
    except ValueError:
        return UNKNOWN_LOOK


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
    schema_: str = Field(STUDENT_SCHEMA, alias="schema")
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
