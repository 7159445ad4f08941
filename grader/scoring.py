"""Scoring is separate from checking: statuses and rubric points in, points and totals out.

- pass, warn: full points. partial: the check's fraction (default one half) of the points.
- fail, error: 0 points, counted as possible.
- skip, manual: not counted (0 of 0): a skipped item (e.g. notebooks not given) neither helps nor
  hurts the percentage; a manual item is for a person to add.
- A TA's override (grader.overrides) replaces an item's status and points; totals and the
  report status are computed from the overridden items.

Review flags: a check's own flag (edited output, absent buckets...), else every `error` item
(could not be determined) and every `manual` item that carries points (a 0-point manual item,
such as the shipped rubric's billing access, has nothing for a person to decide for the grade).
"""

from __future__ import annotations

from grader.models import (
    FAILING,
    FULL_POINTS,
    NOT_COUNTED,
    CheckResult,
    ItemResult,
    Points,
    Review,
    ReviewFlag,
    ReviewKind,
    Score,
    Status,
)


def item_points(result: CheckResult, points: float) -> Points:
    return status_points(result.status, points, result.fraction)


def status_points(status: Status, points: float, fraction: float | None = None) -> Points:
    """The points a status earns of an item worth `points`."""
    if status in NOT_COUNTED:
        return Points(earned=0.0, possible=0.0)
    if status in FULL_POINTS:
        return Points(earned=points, possible=points)
    if status == Status.PARTIAL:
        fraction = 0.5 if fraction is None else min(max(fraction, 0.0), 1.0)
        return Points(earned=round(points * fraction, 2), possible=points)
    return Points(earned=0.0, possible=points)


def item_review(result: CheckResult, points: float) -> Review | None:
    """The item's review flag (see the module doc), or None."""
    if result.review is not None:
        return result.review
    if result.status == Status.ERROR:
        return Review(kind=ReviewKind.ERROR, reason=result.message)
    if result.status == Status.MANUAL and points > 0:
        return Review(kind=ReviewKind.MANUAL, reason=result.message)
    return None


def review_list(items: list[ItemResult], extra: list[ReviewFlag] = ()) -> list[ReviewFlag]:
    """A report's `review` list: every item's flag (resolved when a TA overrode the item), then
    the student-level flags."""
    flags = [ReviewFlag(item=i.id, kind=i.review.kind, reason=i.review.reason, resolved=i.override is not None)
             for i in items if i.review is not None]
    return [*flags, *extra]


def total(items: list[ItemResult]) -> Score:
    earned = round(sum(i.points.earned for i in items), 2)
    possible = round(sum(i.points.possible for i in items), 2)
    percent = round(100.0 * earned / possible, 1) if possible else 0.0
    return Score(earned=earned, possible=possible, percent=percent)


def report_status(items: list[ItemResult]) -> str:
    return "fail" if any(i.status in FAILING for i in items) else "pass"
