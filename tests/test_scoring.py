from __future__ import annotations

import pytest

from grader.models import CheckResult, ItemResult, Points, Status
from grader.scoring import item_points, report_status, total


@pytest.mark.parametrize(
    ("status", "fraction", "earned", "possible"),
    [
        ("pass", None, 8, 8), ("warn", None, 8, 8), ("partial", None, 4, 8), ("partial", 0.25, 2, 8),
        ("partial", 3.0, 8, 8), ("fail", None, 0, 8), ("error", None, 0, 8), ("skip", None, 0, 0),
        ("manual", None, 0, 0),
    ],
)
def test_item_points(status, fraction, earned, possible):
    pts = item_points(CheckResult(status=Status(status), message="m", fraction=fraction), 8)
    assert (pts.earned, pts.possible) == (earned, possible)


def items(*statuses):
    return [ItemResult(id=f"i{n}", title="t", category="IAM", status=Status(s),
                       points=item_points(CheckResult(status=Status(s), message=""), 10), message="")
            for n, s in enumerate(statuses)]


def test_total_and_status():
    got = items("pass", "partial", "skip")
    assert total(got).model_dump() == {"earned": 15.0, "possible": 20.0, "percent": 75.0}
    assert report_status(got) == "fail"
    assert report_status(items("pass", "warn", "skip", "manual")) == "pass"
    assert report_status(items("pass", "error")) == "fail"
    assert total([]).percent == 0.0
    assert Points(earned=1, possible=2).earned == 1
