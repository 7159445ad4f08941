"""Shared assertions of the batch tests (workers, cluster): every student exactly once, whole files."""

from __future__ import annotations

import json
import time
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


def write_sleepers(folder: Path, seconds: float) -> Path:
    """Both lesson notebooks, named as the lesson names them, each one cell sleeping `seconds`
    then printing: cheap re-executions whose kernels' times can be compared."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from grader.reproduce.figures import expected_name

    folder.mkdir(parents=True, exist_ok=True)
    for role in ("rainfall", "credit"):
        cell = new_code_cell(f"import time\ntime.sleep({seconds})\nprint('{role} done')")
        nbformat.write(new_notebook(cells=[cell]), folder / expected_name(role))
    return folder


def kernel_times(out: Path, sid: str) -> list[dict]:
    """A student's two re-executions' durations (waited_s, total_s, ...), from their report.json."""
    report = json.loads((out / "students" / sid / "report.json").read_text())
    return [i["evidence"]["durations_s"] for i in report["items"] if i["id"].endswith("-reproduced")]


def assert_one_kernel_at_a_time(times: list[dict]) -> None:
    """The second kernel of a student started only once the first had finished."""
    first, second = sorted(times, key=lambda d: d["waited_s"])
    assert first["waited_s"] < 1.0
    assert second["waited_s"] >= first["total_s"] * 0.9 >= 1.0, times


def children_of(pid: int) -> list[int]:
    """The pids of the live processes whose parent is `pid` (from /proc: Linux)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def wait_gone(pids: list[int], timeout: float = 15) -> list[int]:
    """The pids of `pids` still alive after up to `timeout` seconds (zombies count as gone)."""
    deadline = time.monotonic() + timeout
    while True:
        alive = []
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                alive.append(pid)
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)
