"""How many sandbox kernels one process runs at once: the bound on re-execution's CPU.

A notebook re-executes in a kernel, a process of its own that trains linear-learner in
scikit-learn (its BLAS on one thread, `sandbox.kernel_env`): one kernel is one core's worth of
work. Without a bound, a batch grading 32 students at once would start 64 kernels on 2 cores,
each slower for the others, with 64 kernels' memory and `--workers` saying nothing about the
cores used. So every kernel run (`execute.execute_notebook`, its seed runs included) holds one of
this process's kernel slots, and the number of slots is decided once per process:

- `GRADER_KERNELS=N` in the environment, when set (the operator's word wins everywhere);
- else a grading worker process (`grader batch --workers N`) has 1: N workers, N kernels;
- else a Dask worker process has its host's cores shared among the worker processes of that
  host, and no more than its threads (`cluster.kernel_plan`): `dask worker --nworkers 4
  --nthreads 4` on 16 cores gives 4 each;
- else (`grader check`, `grader execute`, `--workers 0`, the Python API) the cores this process
  may use (a cgroup CPU quota counted).

Waiting for a slot is not the notebook's time: its limits start when its kernel starts.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ENV = "GRADER_KERNELS"

CGROUP = Path("/sys/fs/cgroup")


def cpu_quota(root: Path = CGROUP) -> int | None:
    """The CPUs a Linux cgroup quota allows this process (a container's `--cpus`, a pod's CPU
    limit), rounded up; None without a quota. cgroup v2 (`cpu.max`) or v1 (`cpu.cfs_*`)."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
        if quota != "max":
            return max(1, math.ceil(int(quota) / int(period)))
        return None
    except (OSError, ValueError):
        pass
    try:
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return max(1, math.ceil(quota / period)) if quota > 0 and period > 0 else None


def cores() -> int:
    """The cores this process may use: its CPU affinity, capped by a cgroup CPU quota (in a
    container the affinity still lists all of the machine's cores)."""
    try:
        found = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        found = os.cpu_count() or 1
    quota = cpu_quota()
    return max(1, min(found, quota) if quota else found)


class _Slots:
    """A counting semaphore whose size can change while slots are held: a kernel keeps its slot,
    and no more than the new size are let in until enough have ended."""

    def __init__(self, size: int) -> None:
        self.size, self.used = size, 0
        self.cond = threading.Condition()

    def resize(self, size: int) -> None:
        with self.cond:
            self.size = size
            self.cond.notify_all()

    def acquire(self) -> None:
        with self.cond:
            while self.used >= self.size:
                self.cond.wait()
            self.used += 1

    def release(self) -> None:
        with self.cond:
            self.used -= 1
            self.cond.notify_all()


_lock = threading.Lock()
_slots: _Slots | None = None


def _from_env() -> int | None:
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 1 else None


def configure(n: int) -> int:
    """Give this process `n` kernel slots (unless GRADER_KERNELS says otherwise); the size set.
    Kernels already running keep their slot and count against the new size."""
    global _slots
    size = _from_env() or max(1, int(n))
    with _lock:
        if _slots is None:
            _slots = _Slots(size)
        else:
            _slots.resize(size)
    return size


def size() -> int:
    """This process's number of kernel slots (configured, else GRADER_KERNELS, else its cores)."""
    with _lock:
        if _slots is not None:
            return _slots.size
    return configure(cores())


@contextlib.contextmanager
def kernel_slot() -> Iterator[float]:
    """Hold one kernel slot for the block; yields the seconds waited for it."""
    size()
    with _lock:
        slots = _slots
    assert slots is not None
    t0 = time.monotonic()
    slots.acquire()
    try:
        yield time.monotonic() - t0
    finally:
        slots.release()
