"""`grader batch --scheduler tcp://host:8786`: the students graded on an existing Dask
distributed cluster (the `dask` extra), the files written here by the client as results arrive.

- One task per student, keyed `grade-<student>-<digest>`, the digest covering the rubric, the
  roster row, the run's options and the student's notebook bytes: the same inputs give the same
  key (the scheduler shares a result still held), different inputs never collide.
- The notebooks travel with the task (the student's folder as a tar, at most
  `MAX_BUNDLE_BYTES`): a worker needs the grader installed and the AWS credentials the roster
  names, not the instructor's disk. The worker grades from a temporary copy and the paths in
  the report are given back as the client's; with `--reproduce`, the executed copies come
  back with the result and are written under `students/<id>/executed/`.
- Lost workers: the scheduler reruns a task whose worker died (up to its `allowed-failures`,
  3 by default); a task past that is the student's `error` row. A task that raised is retried
  `retries` times. Each result is written once, when its future completes (`as_completed`).
- Bounded: at most one task per worker thread is submitted at a time (with `--reproduce`, one
  per kernel slot: `kernel_plan`, a host's cores shared among its worker processes, at most a
  worker's threads); the per-student time limit counts from submission. A task past it is cancelled and the student is an `error` row
  naming the limit (Dask cannot stop a running thread: the worker finishes its AWS calls, which
  their own timeouts bound, and the result is dropped).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from grader.errors import InputError
from grader.gradetask import Rendered, StudentGrader
from grader.roster import RosterEntry
from grader.workers import settle_for_grading, time_limit_message

MAX_BUNDLE_BYTES = 64 * 1024**2
TASK_RETRIES = 1


def bundle(folder: Path | None) -> bytes | None:
    """The student's notebooks folder as tar bytes (None without a folder, or a missing one:
    the worker then reports it missing, as a local run does)."""
    if folder is None or not Path(folder).is_dir():
        return None
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(str(folder), arcname="notebooks", recursive=True)
    data = buf.getvalue()
    if len(data) > MAX_BUNDLE_BYTES:
        raise ValueError(f"the notebooks folder {folder} is {len(data) / 1048576:.0f} MB, over the "
                         f"{MAX_BUNDLE_BYTES // 1048576} MB a cluster task carries")
    return data


def task_key(grader: StudentGrader, entry: RosterEntry, data: bytes | None) -> str:
    h = hashlib.sha256()
    options = [grader.rubric.digest, grader.formats, grader.endpoint_url, grader.regions, grader.synthetic,
               grader.reproduce, sorted((k, repr(v)) for k, v in (grader.overrides.for_student(entry.student_id)
                                        if grader.overrides else {}).items()),
               dataclasses.asdict(entry)]
    h.update(json.dumps(options, default=str, sort_keys=True).encode())
    h.update(data or b"")
    return f"grade-{entry.folder}-{h.hexdigest()[:16]}"


def kernel_plan(client) -> dict[str, int]:
    """Worker address -> sandbox kernels it runs at once: its host's cores shared among the
    worker processes on that host (at least 1 each; a kernel is a process of its own, outside
    Dask's threads), and never more than its threads: Dask runs at most that many of its tasks
    at once, and places tasks by threads, so a slot without a thread would only hold a student
    waiting (their time limit counts from submission)."""
    from urllib.parse import urlsplit

    from grader.reproduce.slots import cores as host_cores

    found = client.run(host_cores, on_error="return")  # {address: cores its host lets it use}
    threads = client.nthreads()
    cores = {addr: n if isinstance(n, int) else 1 for addr, n in found.items()}  # a worker that failed: 1
    host = {addr: urlsplit(addr).hostname for addr in cores}
    on_host = {h: sum(1 for a in cores if host[a] == h) for h in host.values()}
    return {addr: max(1, min(n // on_host[host[addr]], threads.get(addr, 1))) for addr, n in cores.items()}


def grade_on_worker(grader: StudentGrader, entry: RosterEntry, data: bytes | None,
                    kernels: dict[str, int] | None = None) -> Rendered:
    """The task a cluster worker runs: grade `entry` from a temporary copy of their notebooks,
    with the kernel slots `kernels` gives this worker (1 for a worker not in the plan)."""
    settle_for_grading()
    if kernels is not None:
        from distributed import get_worker

        from grader.reproduce import slots

        slots.configure(kernels.get(get_worker().address, 1))
    if data is None:
        return grader.render(entry)
    with tempfile.TemporaryDirectory(prefix="grader-task-") as tmp:
        tmp_path = Path(tmp)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(tmp_path, filter="data")
        local_nb, local_ex = tmp_path / "notebooks", tmp_path / "executed"
        rendered = grader.render(dataclasses.replace(entry, notebooks=local_nb), executed_dir=local_ex)
        theirs_ex = grader.students_dir / entry.folder / "executed"
        swaps = [(str(local_nb), str(entry.notebooks)), (str(local_ex), str(theirs_ex))]
        rendered.files = [(name, _swap(text, swaps)) for name, text in rendered.files]
        if local_ex.is_dir():
            rendered.extra = [(f"executed/{p.relative_to(local_ex)}", p.read_bytes())
                              for p in sorted(local_ex.rglob("*")) if p.is_file()]
        return rendered


def _swap(text: str, swaps: list[tuple[str, str]]) -> str:
    for old, new in swaps:
        text = text.replace(old, new)
    return text


def connect(address: str):
    from distributed import Client

    try:
        return Client(address, timeout="15s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"--scheduler {address}: cannot reach the Dask scheduler ({exc})") from None


def run_on_cluster(grader: StudentGrader, entries: list[RosterEntry], client, limit_s: float | None,
                   retries: int = TASK_RETRIES) -> Iterator[tuple[RosterEntry, Rendered]]:
    """Yield (entry, rendered files) for every entry, once each, as the cluster finishes them."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    pending = list(reversed(entries))
    window = max(1, sum(client.nthreads().values()))
    plan = None
    if grader.reproduce:  # as many students at once as kernels: none waits for a kernel past its time limit
        plan = kernel_plan(client)
        window = max(1, sum(plan.values()))
    by_key: dict[str, tuple[RosterEntry, float, object]] = {}
    done = as_completed()

    def submit() -> Iterator[tuple[RosterEntry, Rendered]]:
        while pending and len(by_key) < window:
            entry = pending.pop()
            try:
                data = bundle(entry.notebooks)
            except (OSError, ValueError) as exc:
                yield entry, grader.error(entry, f"not graded: {exc}")
                continue
            key = task_key(grader, entry, data)
            future = client.submit(grade_on_worker, grader, entry, data, plan, key=key, retries=retries, pure=False)
            by_key[future.key] = (entry, time.monotonic(), future)
            done.add(future)

    try:
        yield from submit()
        while by_key:
            if not done.has_ready():
                time.sleep(0.02)
                yield from _past_limit(grader, by_key, limit_s, client)
                yield from submit()
                continue
            future = next(done)
            if future.key not in by_key:  # cancelled past the time limit: already an error row
                continue
            entry, _started, _f = by_key.pop(future.key)
            try:
                rendered = future.result()
            except KilledWorker:
                rendered = grader.error(entry, "not graded: the cluster workers grading this student "
                                               "died each time it was tried")
            except Exception as exc:  # noqa: BLE001 - one student's task failing is that row's error
                rendered = grader.error(entry, f"not graded on the cluster: {type(exc).__name__}: {exc}"[:400])
            future.release()
            yield entry, rendered
            yield from submit()
    finally:
        if by_key:  # stopped early (Ctrl-C, a write that failed): nothing left running for us
            client.cancel([f for _e, _s, f in by_key.values()])


def _past_limit(grader, by_key, limit_s, client) -> Iterator[tuple[RosterEntry, Rendered]]:
    if limit_s is None:
        return
    now = time.monotonic()
    for key, (entry, started, future) in list(by_key.items()):
        if now - started > limit_s:
            del by_key[key]
            client.cancel([future])
            yield entry, grader.error(entry, time_limit_message(limit_s))
