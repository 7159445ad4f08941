"""Scoring is separate from checking: statuses and rubric points in, points and totals out.

- pass, warn: full points. partial: the check's fraction (default one half) of the points.
- fail, error: 0 points, counted as possible.
- skip, manual: not counted (0 of 0): a skipped item (e.g. notebooks not given) neither helps nor
  hurts the percentage; a manual item is for a person to add.
"""

from __future__ import annotations

from grader.models import FAILING, FULL_POINTS, NOT_COUNTED, CheckResult, ItemResult, Points, Score, Status


def item_points(result: CheckResult, points: float) -> Points:
    if result.status in NOT_COUNTED:
        return Points(earned=0.0, possible=0.0)
    if result.status in FULL_POINTS:
        return Points(earned=points, possible=points)
    if result.status == Status.PARTIAL:
        fraction = 0.5 if result.fraction is None else min(max(result.fraction, 0.0), 1.0)
        return Points(earned=round(points * fraction, 2), possible=points)
    return Points(earned=0.0, possible=points)


def total(items: list[ItemResult]) -> Score:
    earned = round(sum(i.points.earned for i in items), 2)
    possible = round(sum(i.points.possible for i in items), 2)
    percent = round(100.0 * earned / possible, 1) if possible else 0.0
    return Score(earned=earned, possible=possible, percent=percent)


def report_status(items: list[ItemResult]) -> str:
    return "fail" if any(i.status in FAILING for i in items) else "pass"
