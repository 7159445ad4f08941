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
  host (`cluster.kernel_plan`): `dask worker --nworkers 4` on 16 cores gives 4 each;
- else (`grader grade`, `grader execute`, `--workers 0`, the Python API) the cores this process
  may use.

Waiting for a slot is not the notebook's time: its limits start when its kernel starts.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator

ENV = "GRADER_KERNELS"

_lock = threading.Lock()
_size = 0
_sem: threading.Semaphore | None = None


def cores() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


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
    Kernels already running keep the slot they hold."""
    global _size, _sem
    size = _from_env() or max(1, int(n))
    with _lock:
        if size != _size or _sem is None:
            _size, _sem = size, threading.Semaphore(size)
    return size


def size() -> int:
    """This process's number of kernel slots (configured, else GRADER_KERNELS, else its cores)."""
    with _lock:
        if _sem is not None:
            return _size
    return configure(cores())


@contextlib.contextmanager
def kernel_slot() -> Iterator[float]:
    """Hold one kernel slot for the block; yields the seconds waited for it."""
    size()
    with _lock:
        sem = _sem
    assert sem is not None
    t0 = time.monotonic()
    sem.acquire()
    try:
        yield time.monotonic() - t0
    finally:
        sem.release()
