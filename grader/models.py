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
# A report's visible state when a person must look first, or an input was missing.
REVIEW_LOOK = StatusLook("NEEDS A PERSON", "!", "a person must look before this grade is final")
INCOMPLETE_LOOK = StatusLook("INCOMPLETE", "\u2013", "an input was missing: some items were not graded")

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


class ReviewKind(StrEnum):
    """Why a person should look (../shared/spec/interface.md, `review`). A flag never changes
    points by itself; a TA's override does."""

    EDITED_OUTPUT = "edited-output"
    OUTPUTS_WITHOUT_CODE = "outputs-without-code"
    NOT_IN_ACCOUNT = "not-in-account"
    NOT_REPRODUCED = "not-reproduced"
    SHARED_WORK = "shared-work"
    KNOWN_SOLUTION = "known-solution"
    MANUAL = "manual"
    ERROR = "error"


class Review(BaseModel):
    kind: ReviewKind
    reason: str  # one sentence


REVIEW_LOOKS: dict[ReviewKind, str] = {  # the words a person reads for each kind of flag
    ReviewKind.EDITED_OUTPUT: "possibly an edited output",
    ReviewKind.OUTPUTS_WITHOUT_CODE: "outputs with no code behind them",
    ReviewKind.NOT_IN_ACCOUNT: "names not in the graded account",
    ReviewKind.NOT_REPRODUCED: "the code does not reproduce what was printed",
    ReviewKind.SHARED_WORK: "the same run as another student's",
    ReviewKind.KNOWN_SOLUTION: "the course's published run",
    ReviewKind.MANUAL: "a person decides",
    ReviewKind.ERROR: "could not be checked",
}


class ReviewFlag(Review):
    """An entry of a report's `review` list: an item's flag (`item` set) or the student's as a
    whole (class-level findings such as shared work: `item` null). `resolved` once a TA's
    override decided the item."""

    item: str | None = None
    resolved: bool = False


class CheckResult(BaseModel):
    """What a check function returns: a verdict with the evidence behind it.

    `fraction` is the share of points earned for `partial` (0 < fraction < 1); other statuses
    ignore it. `remediation` overrides the check's default remediation text when given: checks
    choose it by what they found (the failure mode). `review` flags the item for a person.
    `cause` names the root cause when several items share one (e.g. `not-executed`,
    `live-endpoint`), so the "what to fix first" list can group them.
    """

    status: Status
    message: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    fraction: float | None = None
    remediation: str | None = None
    review: Review | None = None
    cause: str | None = None


class Points(BaseModel):
    earned: float
    possible: float


class OverrideOriginal(BaseModel):
    status: Status
    points: float


class Override(BaseModel):
    """A TA's decision on an item, applied on top of the grader's verdict (which is kept)."""

    status: Status
    points: float
    note: str
    by: str | None = None
    original: OverrideOriginal


class ItemResult(BaseModel):
    id: str
    title: str
    category: str
    status: Status
    points: Points
    message: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    remediation: str | None = None
    review: Review | None = None
    override: Override | None = None
    cause: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)  # the item's effective rubric params
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
    digest: str | None = None  # sha256 of the effective rubric: --resume re-grades when it differs


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
    review: list[ReviewFlag] = Field(default_factory=list)  # what a person should look at
    incomplete: list[str] = Field(default_factory=list)  # inputs not given (e.g. "notebooks")
    class_report: str | None = None  # link to the class report, when graded in a batch
    reproduced: bool = False  # the notebooks were re-executed (--reproduce)
    generated_at: str
    grader_version: str
    synthetic: bool = False  # true for the demo's made-up class

    model_config = {"populate_by_name": True}

    @property
    def needs_review(self) -> bool:
        return any(not flag.resolved for flag in self.review)

    @property
    def complete(self) -> bool:
        return not self.incomplete

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=False)
