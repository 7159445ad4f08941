"""A process's kernel slots bound how many sandbox kernels run at once: threads holding slots,
the operator's GRADER_KERNELS, and real kernels of one submission queued behind each other."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from grader.reproduce import execute_submission, slots
from tests.batch_helpers import assert_one_kernel_at_a_time, write_sleepers


@pytest.fixture(autouse=True)
def restore_slots(monkeypatch):
    monkeypatch.delenv(slots.ENV, raising=False)
    yield
    slots.configure(slots.cores())


def most_at_once(threads: int, hold_s: float) -> int:
    """Run `threads` threads each holding a kernel slot for `hold_s`; the most inside at once."""
    inside, most, lock = 0, 0, threading.Lock()

    def hold() -> None:
        nonlocal inside, most
        with slots.kernel_slot():
            with lock:
                inside += 1
                most = max(most, inside)
            time.sleep(hold_s)
            with lock:
                inside -= 1

    workers = [threading.Thread(target=hold) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return most


def test_no_more_kernels_than_slots_run_at_once_and_the_wait_is_measured():
    assert slots.configure(2) == 2
    assert most_at_once(5, 0.15) == 2
    slots.configure(1)
    assert most_at_once(3, 0.1) == 1
    slots.configure(1)
    release = threading.Event()

    def hold() -> None:
        with slots.kernel_slot():
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.05)
    threading.Timer(0.3, release.set).start()
    with slots.kernel_slot() as waited:
        assert waited >= 0.25
    holder.join()


def test_grader_kernels_in_the_environment_wins_and_a_bad_value_is_ignored(monkeypatch):
    monkeypatch.setenv(slots.ENV, "3")
    assert slots.configure(1) == 3 and slots.size() == 3
    monkeypatch.setenv(slots.ENV, "zero")
    assert slots.configure(1) == 1
    monkeypatch.setenv(slots.ENV, "0")
    assert slots.configure(2) == 2


def test_by_default_a_process_has_a_slot_per_core():
    slots._slots = None  # a process that never configured
    assert slots.size() == slots.cores() >= 1


def test_a_smaller_size_while_kernels_run_lets_none_in_until_enough_have_ended():
    slots.configure(2)
    inside, release = [], threading.Event()

    def hold() -> None:
        with slots.kernel_slot():
            inside.append(1)
            release.wait(5)

    holders = [threading.Thread(target=hold) for _ in range(2)]
    for t in holders:
        t.start()
    while len(inside) < 2:
        time.sleep(0.01)
    slots.configure(1)  # both keep their slot
    got = threading.Event()

    def late() -> None:
        with slots.kernel_slot():
            got.set()

    waiting = threading.Thread(target=late)
    waiting.start()
    time.sleep(0.2)
    assert not got.is_set()  # 2 running, size 1: nobody gets in
    release.set()
    waiting.join(5)
    for t in holders:
        t.join(5)
    assert got.is_set() and slots._slots.used == 0


def test_a_cgroup_cpu_quota_caps_the_cores(tmp_path):
    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "cpu.max").write_text("150000 100000\n")
    assert slots.cpu_quota(v2) == 2
    (v2 / "cpu.max").write_text("max 100000\n")
    assert slots.cpu_quota(v2) is None
    v1 = tmp_path / "v1" / "cpu"
    v1.mkdir(parents=True)
    (v1 / "cpu.cfs_quota_us").write_text("400000\n")
    (v1 / "cpu.cfs_period_us").write_text("100000\n")
    assert slots.cpu_quota(tmp_path / "v1") == 4
    (v1 / "cpu.cfs_quota_us").write_text("-1\n")
    assert slots.cpu_quota(tmp_path / "v1") is None
    assert slots.cpu_quota(tmp_path / "none") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox's kernels are tested on Linux")
def test_with_one_slot_the_two_notebooks_of_a_submission_run_one_after_the_other(tmp_path):
    sub = write_sleepers(tmp_path / "sub", 2)
    slots.configure(1)
    runs = execute_submission(sub, tmp_path / "out", seeds=1).notebooks
    assert all(r.cells_run == 1 for r in runs.values()), {k: r.message for k, r in runs.items()}
    # the second kernel started only once the first had finished (kernel start, prelude, cell)
    assert_one_kernel_at_a_time([r.durations.model_dump() for r in runs.values()])
    slots.configure(2)
    runs = execute_submission(sub, tmp_path / "out2", seeds=1).notebooks
    assert max(r.durations.waited_s for r in runs.values()) < 1.0  # two slots: side by side
