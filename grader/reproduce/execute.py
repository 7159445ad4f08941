"""Re-execute the lesson's notebooks in the sandbox, as they are, and record what happened.

    run = execute_notebook(path, submission, out_dir, role="credit")
    run.status, run.message, run.cell_errors, run.executed_path, run.isolation["statement"]
    sub = execute_submission(folder, out_dir)        # both notebooks, found by name

Every code cell runs (errors are recorded per cell, never raised); the executed copy is written
to `out_dir` under the notebook's own file name. A per-cell and a per-notebook time limit and a
memory limit end the run as a result naming the limit (the kernel is interrupted, then killed;
the grader's process is never at risk). For a notebook whose split is not seeded, the cells from
the split on are re-run in the same kernel under `seeds - 1` more seeds (numpy's and `random`'s
global generators reseeded), and the figures each seed prints are recorded (`seed_runs`): the
judge tells a plausible printed figure from an impossible one with them.
"""

from __future__ import annotations

import ast
import asyncio
import copy
import json
import queue
import sys
import time
from pathlib import Path

import nbformat

from grader.reproduce import figures as figs
from grader.reproduce import names, sandbox, scratch, slots
from grader.reproduce.capped import capped_client
from grader.reproduce.results import CellError, NotebookRun, RunStatus, SeedRun, SubmissionRun

DEFAULT_SEEDS = 5
PRELUDE_TIMEOUT_S = 120.0  # moto, the fake account and the SDK import: 3-10 s
KERNEL_START_S = 60  # nbclient's startup_timeout
STATS_S = 30.0  # each of the two reads of the kernel's stats
_RECOVER_S = 10.0  # how long an interrupted kernel gets to become idle again


def longest_run_s(notebook_timeout_s: float) -> float:
    """The longest one notebook's re-execution can take within the sandbox's own bounds: kernel
    start, prelude, the cells (the notebook limit), the seed runs (the limit again), the stats."""
    return KERNEL_START_S + PRELUDE_TIMEOUT_S + 2 * notebook_timeout_s + 2 * STATS_S


class _Stop(Exception):
    def __init__(self, status: RunStatus, message: str, limit: str | None = None):
        super().__init__(message)
        self.status, self.message, self.limit = status, message, limit


def _texts(nb) -> list[str]:
    out = []
    for cell in nb.cells:
        out.append(cell.get("source", ""))
        for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
            out.append(o.get("text", "") if isinstance(o.get("text"), str) else "")
            out.append(str(o.get("data", {}).get("text/plain", "")))
    return out


def _error_cells(nb) -> dict[int, str]:
    return {i: o.get("ename", "") for i, c in enumerate(nb.cells) if c.cell_type == "code"
            for o in c.get("outputs", []) if o.get("output_type") == "error"}


async def _hidden(client, code: str, timeout: float, expressions: dict | None = None) -> dict:
    """Run code in the kernel without a trace in the notebook; the reply's content."""
    msg_id = client.kc.execute(code, silent=True, store_history=False, user_expressions=expressions or {})
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no reply in {timeout:g} s")
        reply = await client.kc.get_shell_msg(timeout=left)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]


def _expression(content: dict, key: str):
    value = content.get("user_expressions", {}).get(key, {})
    if value.get("status") != "ok":
        raise RuntimeError(f"{value.get('ename', 'error')}: {value.get('evalue', '')}")
    return json.loads(ast.literal_eval(value["data"]["text/plain"]))


class _Driver:
    """One notebook's run in one kernel."""

    def __init__(self, nb, ws: scratch.Workspace, limits: sandbox.Limits, run: NotebookRun):
        self.nb, self.ws, self.limits, self.run = nb, ws, limits, run
        self.original_errors = _error_cells(nb)

    def _client(self, env: dict):
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import AsyncKernelManager
        from nbclient import NotebookClient

        kernels = self.ws.sandbox / "kernels"
        name, isolation = sandbox.kernel_spec(kernels, self.ws.lib / "_grader_kernel" / "launch.py", self.limits,
                                              keep=[self.ws.root, Path(sys.prefix), Path(sys.executable)])
        isolation.env_passed, isolation.home = self.env_passed, str(self.ws.home)
        self.isolation = isolation
        self.run.isolation = isolation.as_dict()
        km = AsyncKernelManager(kernel_name=name, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]),
                                transport="ipc", connection_file=str(self.ws.sandbox / "connection.json"))
        client = capped_client(NotebookClient)(self.nb, km=km, timeout=self.limits.cell_timeout_s, allow_errors=True,
                                         interrupt_on_timeout=False, startup_timeout=KERNEL_START_S, shutdown_kernel="immediate",
                                         resources={"metadata": {"path": str(self.ws.workdir)}},
                                         store_widget_state=False)
        client.output_left = self.limits.output_bytes
        return client

    async def _cell(self, client, index: int, cell, deadline: float) -> None:
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        left = deadline - time.monotonic()
        if left <= 0:
            raise _Stop(RunStatus.TIMEOUT, f"the notebook passed its time limit of {self.limits.notebook_timeout_s:g} s "
                        f"before cell {index + 1}", f"per-notebook time limit of {self.limits.notebook_timeout_s:g} s")
        by_notebook = left < self.limits.cell_timeout_s
        client.timeout = max(1, int(min(self.limits.cell_timeout_s, left)))
        try:
            await client.async_execute_cell(cell, index)
            self._check_output(client, index, cell)
        except CellTimeoutError:
            self._check_output(client, index, cell)  # a cell that flooded its output, then ran out of time
            limit = (f"per-notebook time limit of {self.limits.notebook_timeout_s:g} s" if by_notebook
                     else f"per-cell time limit of {self.limits.cell_timeout_s:g} s")
            cell.outputs.append(nbformat.v4.new_output("error", ename="SandboxTimeout", traceback=[],
                                                       evalue=f"stopped by the grader's sandbox: {limit}"))
            if by_notebook or not await self._recovered(client):
                raise _Stop(RunStatus.TIMEOUT, f"cell {index + 1} ran past the {limit}", limit) from None
            self.timeouts.append((index, limit))
        except DeadKernelError:
            self._check_output(client, index, cell)
            mem = self.limits.memory_bytes
            maybe = f" (it may have hit the memory limit of {mem / 1024**3:.1f} GiB)" if mem else ""
            raise _Stop(RunStatus.KERNEL_DIED, f"the kernel died in cell {index + 1}{maybe}", "the kernel died") from None

    def _check_output(self, client, index: int, cell) -> None:
        """_Stop (output-limit) when the outputs so far passed the sandbox's output limit."""
        if client.output_left >= 0:
            return
        mb = self.limits.output_bytes / 1024**2
        cell.outputs.append(nbformat.v4.new_output("error", ename="SandboxOutputLimit", traceback=[],
                                                   evalue=f"stopped by the grader's sandbox: output limit of {mb:g} MB"))
        raise _Stop(RunStatus.OUTPUT_LIMIT, f"cell {index + 1} took the notebook's output past the sandbox's "
                    f"{mb:g} MB (the rest was dropped)", f"output limit of {mb:g} MB")

    async def _recovered(self, client) -> bool:
        try:
            await client.km.interrupt_kernel()
            await _hidden(client, "pass", _RECOVER_S)
            return True
        except Exception:
            return False

    async def main(self, env: dict, seeds: list[int]) -> None:
        run, t0 = self.run, time.monotonic()
        self.timeouts: list[tuple[int, str]] = []
        client = self._client(env)
        prelude = (f"__import__('sys').path.append({str(self.ws.lib)!r})\n"
                   "__import__('_grader_kernel.prelude').prelude.start()")
        stats_expr = {"s": "__import__('json').dumps(__import__('_grader_kernel.prelude').prelude.stats())"}
        log = open(self.ws.sandbox / "kernel.log", "wb")  # the kernel's own stdout/stderr, not the grader's
        try:
            # cleanup_kc: shut the kernel down on leaving, although we made its manager (nbclient
            # cleans up only a manager it made itself: without this every kernel outlived its run)
            async with client.async_setup_kernel(env=env, stdout=log, stderr=log, cleanup_kc=True):
                t1 = time.monotonic()
                run.durations.kernel_start_s = t1 - t0
                self._read_hidden()
                try:
                    reply = await _hidden(client, prelude, PRELUDE_TIMEOUT_S)
                except (TimeoutError, queue.Empty):
                    raise _Stop(RunStatus.SANDBOX_ERROR,
                                f"the sandbox's prelude did not finish in {PRELUDE_TIMEOUT_S:g} s") from None
                if reply.get("status") != "ok":
                    raise _Stop(RunStatus.SANDBOX_ERROR, "the sandbox's prelude failed: "
                                f"{reply.get('ename')}: {reply.get('evalue')}")
                t2 = time.monotonic()
                run.durations.prelude_s = t2 - t1
                deadline = t2 + self.limits.notebook_timeout_s
                try:
                    for index, cell in enumerate(self.nb.cells):
                        if cell.cell_type == "code" and cell.source.strip():
                            await self._cell(client, index, cell, deadline)
                            run.cells_run += 1
                finally:
                    run.durations.cells_s = time.monotonic() - t2
                    self._record_errors()
                stats = _expression(await _hidden(client, "", STATS_S, stats_expr), "s")
                run.durations.prelude_parts = {k: round(v, 3) for k, v in stats["timings"].items()}
                run.durations.training_s = stats["training_s"]
                run.training_jobs = stats["jobs"]
                run.kernel_peak_rss_mb = round(stats["peak_rss_kb"] / 1024, 1) if stats.get("peak_rss_kb") else None
                self._write()
                if len(seeds) > 1 and not run.new_errors and run.split.cell is not None:
                    t3 = time.monotonic()
                    await self._seed_runs(client, seeds[1:], time.monotonic() + self.limits.notebook_timeout_s)
                    run.durations.seeds_s = time.monotonic() - t3
                    run.durations.training_s = _expression(await _hidden(client, "", STATS_S, stats_expr), "s")["training_s"]
        except _Stop as stop:
            run.status, run.message, run.limit = stop.status, stop.message, stop.limit
        except Exception as exc:  # kernel start, connection: the grader's side
            if run.status is RunStatus.COMPLETED:
                tail = _last_line(self.ws.sandbox / "kernel.log")
                run.status, run.message = RunStatus.SANDBOX_ERROR, (f"the sandbox failed: {type(exc).__name__}: {exc}"
                                                                    + (f" (kernel: {tail})" if tail else ""))
        finally:
            log.close()
            self._record_errors()
            self._write()
            run.durations.total_s = time.monotonic() - t0

    def _read_hidden(self) -> None:
        try:
            hidden = json.loads((self.ws.sandbox / "hidden.json").read_text())
        except (OSError, ValueError):
            hidden = {"hidden": [], "not_hidden": [{"path": "?", "why": "the launcher wrote no record"}]}
        self.isolation.hidden, self.isolation.not_hidden = hidden["hidden"], hidden["not_hidden"]
        self.run.isolation = self.isolation.as_dict()

    async def _seed_runs(self, client, seeds: list[int], deadline: float) -> None:
        start = self.run.split.cell or 0
        saved = copy.deepcopy(self.nb.cells)
        try:
            for seed in seeds:
                await _hidden(client, f"__import__('_grader_kernel.prelude').prelude.reseed({seed})", 30)
                trial = copy.deepcopy(self.nb)
                client.output_left = self.limits.output_bytes  # each seed run has the whole budget again
                error = None
                try:
                    for index in range(start, len(trial.cells)):
                        cell = trial.cells[index]
                        if cell.cell_type == "code" and cell.source.strip():
                            client.nb = trial
                            await self._cell(client, index, cell, deadline)
                            err = next((o for o in cell.outputs if o.get("output_type") == "error"), None)
                            if err is not None and index not in self.original_errors:
                                error = f"cell {index + 1}: {err.get('ename')}: {err.get('evalue', '')[:200]}"
                                break
                except _Stop as stop:
                    error = stop.message
                self.run.seed_runs.append(SeedRun(seed=seed, figures=figs.figures(nbformat.writes(trial), self.run.role),
                                                  error=error))
                if error and "time limit" in error:
                    break
        finally:
            client.nb = self.nb
            self.nb.cells = saved

    def _record_errors(self) -> None:
        errors = []
        for i, cell in enumerate(self.nb.cells):
            if cell.cell_type != "code":
                continue
            found = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if found:  # the sandbox's own error first (a timeout is followed by the KeyboardInterrupt)
                o = next((e for e in found if e.get("ename") in ("SandboxTimeout", "SandboxOutputLimit")), found[0])
                errors.append(CellError(cell=i, ename=o.get("ename", ""), evalue=str(o.get("evalue", "")),
                                        in_original=i in self.original_errors))
        self.run.cell_errors = errors
        if self.run.status is RunStatus.COMPLETED:
            _classify(self.run, self.ws, self.limits)

    def _write(self) -> None:
        if self.run.executed_path:
            nbformat.write(self.nb, self.run.executed_path)


def _last_line(path: Path) -> str:
    try:
        lines = [x for x in path.read_text(errors="replace").splitlines() if x.strip() and "Parent appears" not in x]
    except OSError:
        return ""
    return lines[-1][:300] if lines else ""


def _classify(run: NotebookRun, ws: scratch.Workspace, limits: sandbox.Limits) -> None:
    new = run.new_errors
    if not run.cell_errors:
        run.message = f"all {run.cells_run} code cells ran without an error"
        return
    memory = next((e for e in new if e.ename == "MemoryError"), None)
    if memory is not None:
        mem = limits.memory_bytes
        run.status, run.limit = RunStatus.MEMORY_LIMIT, f"memory limit of {mem / 1024**3:.1f} GiB" if mem else None
        run.message = f"{memory.describe()} (the sandbox's {run.limit or 'memory'})"
        return
    timeout = next((e for e in new if e.ename == "SandboxTimeout"), None)
    if timeout is not None:
        run.status, run.limit = RunStatus.TIMEOUT, timeout.evalue.split(": ", 1)[-1]
        run.message = f"cell {timeout.number} ran past the {run.limit}"
        return
    missing = next((e for e in new if e.ename == "FileNotFoundError"), None)
    if missing is not None:
        run.status = RunStatus.MISSING_DATA
        run.message = (f"cell {missing.number} reads a file neither the submission nor the grader has: {missing.evalue}")
        return
    run.status = RunStatus.CELL_ERROR
    shown = "; ".join(e.describe() for e in (new or run.cell_errors)[:3])
    run.message = (f"{len(new)} cell(s) end in an error the original run does not show: {shown}" if new
                   else f"only errors the original run also shows: {shown}")


def execute_notebook(path: Path, submission: Path, out_dir: Path, role: str, *, limits: sandbox.Limits | None = None,
                     seeds: int = DEFAULT_SEEDS, seed: int = 0, scratch_base: Path | None = None,
                     keep_scratch: bool = False) -> NotebookRun:
    """Re-execute one notebook (a file inside `submission`) in the sandbox; never raises for the
    notebook's content or the student's code."""
    limits = limits or sandbox.Limits()
    path, submission, out_dir = Path(path), Path(submission), Path(out_dir)
    run = NotebookRun(role=role, source=str(path), status=RunStatus.COMPLETED, message="", seed=seed)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:
        run.status, run.message = RunStatus.UNREADABLE, f"{path.name} cannot be read as a notebook: {exc}"
        return run
    code = [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    run.code_cells = sum(1 for _, s in code if s.strip())
    texts = _texts(nb)
    run.region, run.buckets = names.region_of(texts), names.buckets_of(texts)
    run.split = names.split_of(code)
    ws = scratch.build(submission, path, [s for _, s in code], base=scratch_base)
    try:
        run.data_files, run.synthetic_data = ws.data, ws.synthetic and role == "rainfall"
        sandbox.prepare_home(ws.home)
        config = ws.sandbox / "config.json"
        config.write_text(json.dumps({"region": run.region, "buckets": run.buckets, "seed": seed}))
        env, passed = sandbox.kernel_env(ws.root, ws.home, config, run.region, seed)
        out_dir.mkdir(parents=True, exist_ok=True)
        run.executed_path = str(out_dir / path.name)
        driver = _Driver(nb, ws, limits, run)
        driver.env_passed = passed
        seed_list = [seed] if run.split.seeded else [seed + k for k in range(max(1, seeds))]
        with slots.kernel_slot() as waited:
            run.durations.waited_s = round(waited, 3)
            asyncio.run(driver.main(env, seed_list))
    finally:
        if not keep_scratch:
            ws.cleanup()
    return run


def execute_submission(folder: Path, out_dir: Path, *, limits: sandbox.Limits | None = None,
                       seeds: int = DEFAULT_SEEDS, roles: tuple[str, ...] = figs.ROLES,
                       parallel: bool = True) -> SubmissionRun:
    """Re-execute each lesson notebook found (tolerantly, by name) in `folder`; with `parallel`,
    the two notebooks run at the same time, each in its own sandboxed kernel, when this process
    has a kernel slot free for each (`slots`)."""
    from concurrent.futures import ThreadPoolExecutor

    folder, out_dir = Path(folder), Path(out_dir)
    runs: dict[str, NotebookRun] = {}
    todo = []
    for role, (path, problem) in figs.lesson_notebooks(folder).items():
        if role not in roles:
            continue
        if path is None:
            runs[role] = NotebookRun(role=role, status=RunStatus.NOT_FOUND,
                                     message=problem or f"no notebook named like {figs.expected_name(role)}")
        else:
            todo.append((role, path))
    run_one = lambda item: execute_notebook(item[1], folder, out_dir, item[0], limits=limits, seeds=seeds)  # noqa: E731
    with ThreadPoolExecutor(max_workers=2 if parallel else 1) as pool:
        for (role, _), run in zip(todo, pool.map(run_one, todo), strict=True):
            runs[role] = run
    ordered = {role: runs[role] for role in figs.ROLES if role in runs}
    return SubmissionRun(folder=str(folder), out_dir=str(out_dir), notebooks=ordered)
