"""Shared assertions of the batch tests (workers, cluster): every student exactly once, whole files."""

from __future__ import annotations

import json
from pathlib import Path


def assert_every_student_once(out: Path, n: int) -> None:
    """class.json lists s01..sNN once each, in order; each report.json is whole and theirs; no temp file left."""
    ids = [f"s{i:02d}" for i in range(1, n + 1)]
    klass = json.loads((out / "class.json").read_text())
    assert [s["student"]["id"] for s in klass["students"]] == ids
    for sid in ids:
        report = json.loads((out / "students" / sid / "report.json").read_text())
        assert report["student"]["id"] == sid and report["status"] in ("pass", "fail")
    assert not list(out.rglob("*.tmp"))
