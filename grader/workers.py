"""`grader batch --workers N`: students graded in N worker processes, each grading a few at once
on threads; the batch's own process hands out the students and writes every file.

Why processes: Python code in one process runs on one core at a time, and grading is mostly
Python (botocore builds and parses every request). N processes use N cores.

- Hand-out: each worker holds at most `slots` students at once (the run's `--jobs` spread over
  the workers; 1 with `--reproduce`, see `grader.batch`) and runs at most `kernels` sandbox
  kernels at once (1: a worker is one core's worth of work); a worker that finishes one gets
  the next, so a class of thousands is never queued in memory twice.
- Results: a worker grades and renders a student's files in memory and sends them back; the
  parent writes them (atomically, report.json last) as they arrive. Only one process writes the
  output folder, so a worker killed at any moment cannot leave a half-written student.
- Time limit: a student still being graded `limit_s` after it was handed out is stopped: its
  worker (and anything the worker started: a credential helper, in the worker's own process
  group; a sandbox kernel, in a session of its own, which its launcher made die with the
  worker, `reproduce/kernel/launch.py`) is killed, the student becomes an `error` row naming the
  limit, the worker's other students are handed out again, and a fresh worker takes its place.
- A worker that dies (killed, out of memory, a crash in a C library): its students are handed
  out again; a student whose grading has killed its worker `retries + 1` times becomes an
  `error` row saying so. No student is lost or written twice.
- A worker whose parent dies (e.g. SIGKILL of the batch) sees its pipe close and kills its
  own process group; its kernels die with it. Only a process a student's notebook started in
  the background (the kernel's child, in the kernel's session) can outlive such a kill.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait

from grader.gradetask import Rendered, StudentGrader
from grader.roster import RosterEntry

log = logging.getLogger("grader.workers")

DEFAULT_RETRIES = 1  # a student whose grading killed its worker is tried once more


def time_limit_message(limit_s: float) -> str:
    return (f"not graded: still running after the per-student time limit of {limit_s:g} s "
            "(--student-timeout); the grading was stopped")


def died_message(code: int | None, times: int) -> str:
    how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    return f"not graded: the grading process stopped ({how}) while grading this student, {times} time(s)"


# -- the worker side ---------------------------------------------------------------------------


#: What a worker starts with: imported once by the fork server (`start_context`), or by the
#: batch before it forks its first worker (`worker_context`).
PRELOAD = ["grader.gradetask", "grader.engine", "checks", "reports", "grader.aws.preload", "reports.preload"]


def worker_context(server):
    """How the next worker starts. On Linux, from a batch process with no thread but its main
    one (`grader batch`): forked from it, with everything it has imported, `PRELOAD` included
    (imported here before the first fork: the service models, a client of each service and the
    compiled page templates are then built once a batch, not once a worker; a fork server
    would cost about 0.5 s of CPU a batch). A fork is safe then: no other thread
    can hold a lock the worker would inherit held, and the connections the batch's clients may
    have open are not the worker's (`grader.aws.sharing` forgets them in a forked child). From a
    process with threads (the demo's moto server, a Dask client, tests), or on another platform:
    `server` (`start_context`)."""
    if sys.platform.startswith("linux") and threading.active_count() == 1 \
            and "fork" in multiprocessing.get_all_start_methods():
        for name in PRELOAD:  # what a fork server imports first: once here, for every worker forked
            importlib.import_module(name)
        return multiprocessing.get_context("fork")
    return server


def start_context():
    """How workers start when they cannot be forked from the batch (`worker_context`): from a
    fork server where the platform has one (Linux, macOS). The server, a process of its own
    started once per batch process, imports the grader and botocore's service models
    (`PRELOAD`, about 0.5 s of CPU); each worker, and each replacement of a killed one, is forked
    from it with all that in place (and in shared pages) instead of importing it again.
    Elsewhere: spawn. A fork server keeps the environment and folder it started with, so each
    worker is given the batch's current ones (`_worker_main`)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


_settled = False
_settle_lock = threading.Lock()


#: The garbage collector's thresholds in a grading process (Python's default: 700, 10, 10).
#: Grading a student allocates a few thousand objects that outlive a young collection (its
#: botocore clients, requests, facts, report): with the default, each was walked again by
#: several young and middle collections before it died, about 8% of a student's CPU at 32
#: students at once (measured with gc callbacks: 9.5 ms a student; 4.8 ms with these). Middle
#: and full collections stay frequent: a full one at every 10th young one (5 x 2), about
#: 200,000 net allocations or 40 students' worth (4,700 a student), so cyclic garbage (a finished student's clients) that
#: reaches the old generation does not pile up. With 10/10 there the peak grew
#: with the class (1,000 students: 402 MB a worker against Python's 156 MB); with 5/2, 216 MB.
GC_THRESHOLDS = (20_000, 5, 2)


def settle_for_grading() -> None:
    """Once per grading process (a worker, a cluster worker), before its first student: move
    every object alive now (the imported grader, botocore's service models: some 140,000
    objects) out of reach of the garbage collector's full collections (`gc.freeze`), which
    otherwise walked them all a few times a second while grading, about a tenth of a student's
    CPU; and collect less often (`GC_THRESHOLDS`). They live as long as the process anyway; what
    students' grading allocates is collected as before. No collection first: it would cost more
    than it frees in a process just started (what garbage the startup left is frozen with the
    rest, once)."""
    global _settled
    with _settle_lock:
        if not _settled:
            _settled = True
            gc.freeze()
            gc.set_threshold(*GC_THRESHOLDS)


def _worker_main(conn: Connection, grader: StudentGrader, slots: int, kernels: int,
                 environ: dict[str, str], cwd: str, inherited: tuple[int, ...] = ()) -> None:
    """A worker process: grade the students sent on `conn`, `slots` at once, send back files;
    at most `kernels` sandbox kernels at once (`grader.reproduce.slots`). `environ` and `cwd`:
    the batch's, as they are now (a fork server's may be older). `inherited`: the batch's ends
    of the workers' pipes, this one's included, which a worker forked from the batch holds too:
    closed first, or the pipe would never close when the batch dies, and the worker would
    outlive it."""
    from grader.reproduce import slots as kernel_slots

    for fd in inherited:
        with contextlib.suppress(OSError):
            os.close(fd)
    if dict(os.environ) != environ:
        os.environ.clear()
        os.environ.update(environ)
    with contextlib.suppress(OSError):
        os.chdir(cwd)
    kernel_slots.configure(kernels)
    settle_for_grading()
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)  # its own group: killing it takes its children (credential helpers, kernels)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    send_lock = threading.Lock()

    def grade(entry: RosterEntry) -> None:
        try:
            rendered = grader.render(entry)
        except Exception as exc:  # noqa: BLE001 - e.g. a renderer bug: this student's error row
            rendered = grader.error(entry, f"internal error in the grader: {type(exc).__name__}: {exc}"[:400])
        with send_lock:
            conn.send(("done", entry.student_id, rendered))

    with ThreadPoolExecutor(max_workers=slots, thread_name_prefix="grader-student") as pool:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):  # the parent is gone: take everything we started with us
                os.killpg(os.getpgid(0), signal.SIGKILL)
                return
            if message[0] == "stop":
                break
            pool.submit(grade, message[1])
    conn.close()


# -- the parent side ---------------------------------------------------------------------------


@dataclass
class _Worker:
    proc: multiprocessing.process.BaseProcess
    conn: Connection
    running: dict[str, tuple[RosterEntry, float]] = field(default_factory=dict)

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:  # not (yet) its own group leader
            with contextlib.suppress(OSError):
                self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class ProcessPool:
    """Grade entries in `workers` processes of `slots` threads each; see the module doc."""

    def __init__(self, grader: StudentGrader, workers: int, slots: int, limit_s: float | None,
                 retries: int = DEFAULT_RETRIES, kernels: int = 1):
        self.grader = grader
        self.workers = workers
        self.slots = max(1, slots)
        self.kernels = max(1, kernels)
        self.limit_s = limit_s
        self.retries = retries
        self.ctx = start_context()
        self.pool: list[_Worker] = []
        self.deaths: dict[str, int] = {}

    def _start(self) -> _Worker:
        parent, child = self.ctx.Pipe()
        ctx = worker_context(self.ctx)
        # a fork copies every descriptor: the batch's pipe ends, for the worker to close
        inherited = (parent.fileno(), *(w.conn.fileno() for w in self.pool if not w.conn.closed)) if ctx.get_start_method() == "fork" else ()
        proc = ctx.Process(target=_worker_main, args=(child, self.grader, self.slots, self.kernels, dict(os.environ),
                                                      os.getcwd(), inherited),
                           name="grader-worker", daemon=True)
        proc.start()
        child.close()
        worker = _Worker(proc, parent)
        self.pool.append(worker)
        return worker

    def run(self, entries: list[RosterEntry]) -> Iterator[tuple[RosterEntry, Rendered]]:
        """Yield (entry, rendered files) for every entry, once each, as they finish."""
        queue = deque(entries)
        try:
            for _ in range(min(self.workers, -(-len(entries) // self.slots))):
                self._start()
            while queue or any(w.running for w in self.pool):
                self._hand_out(queue)
                yield from self._collect(queue)
                yield from self._enforce_limit(queue)
            for w in self.pool:
                with contextlib.suppress(OSError):
                    w.conn.send(("stop",))
            for w in self.pool:
                w.proc.join(10)
        finally:
            for w in self.pool:
                if w.proc.is_alive() or not w.conn.closed:
                    w.kill()
            self.pool.clear()

    def _hand_out(self, queue: deque) -> None:
        while queue:
            free = [w for w in self.pool if len(w.running) < self.slots]
            if not free:
                if len(self.pool) < self.workers:
                    free = [self._start()]
                else:
                    return
            worker = min(free, key=lambda w: len(w.running))
            entry = queue.popleft()
            worker.running[entry.student_id] = (entry, time.monotonic())
            try:
                worker.conn.send(("grade", entry))
            except OSError:  # it died since the last look: `_collect` hands its students out again
                del worker.running[entry.student_id]
                queue.appendleft(entry)  # never reached it: not counted against the student
                return

    def _collect(self, queue: deque) -> Iterator[tuple[RosterEntry, Rendered]]:
        waits = [w.conn for w in self.pool] + [w.proc.sentinel for w in self.pool]
        ready = set(wait(waits, timeout=self._next_deadline()))
        for worker in list(self.pool):
            if worker.conn in ready:
                try:
                    while worker.conn.poll():
                        _kind, sid, rendered = worker.conn.recv()
                        entry, _started = worker.running.pop(sid)
                        yield entry, rendered
                except (EOFError, OSError):
                    pass
            if worker.proc.sentinel in ready or not worker.proc.is_alive():
                yield from self._lost(worker, queue)

    def _lost(self, worker: _Worker, queue: deque) -> Iterator[tuple[RosterEntry, Rendered]]:
        """A worker died: hand its students out again, or make them error rows past the retries."""
        try:  # what it sent before it died is still in the pipe
            while worker.running and worker.conn.poll():
                _kind, sid, rendered = worker.conn.recv()
                yield worker.running.pop(sid)[0], rendered
        except (EOFError, OSError):
            pass
        worker.proc.join(5)
        code = worker.proc.exitcode
        self.pool.remove(worker)
        worker.kill()
        log.warning("a grading worker stopped (exit code %s) with %d student(s)", code, len(worker.running))
        for sid, (entry, _started) in worker.running.items():
            self.deaths[sid] = self.deaths.get(sid, 0) + 1
            if self.deaths[sid] > self.retries:
                yield entry, self.grader.error(entry, died_message(code, self.deaths[sid]))
            else:
                queue.appendleft(entry)

    def _enforce_limit(self, queue: deque) -> Iterator[tuple[RosterEntry, Rendered]]:
        if self.limit_s is None:
            return
        now = time.monotonic()
        for worker in list(self.pool):
            late = [sid for sid, (_e, started) in worker.running.items() if now - started > self.limit_s]
            if not late:
                continue
            self.pool.remove(worker)
            worker.kill()
            for sid, (entry, _started) in worker.running.items():
                if sid in late:
                    yield entry, self.grader.error(entry, time_limit_message(self.limit_s))
                else:  # graded alongside a stuck student: not their fault, hand out again
                    queue.appendleft(entry)

    def _next_deadline(self) -> float:
        if self.limit_s is None:
            return 1.0
        starts = [started for w in self.pool for _e, started in w.running.values()]
        if not starts:
            return 1.0
        return max(0.0, min(1.0, min(starts) + self.limit_s - time.monotonic() + 0.01))
