"""Entry points: `grader execute NOTEBOOKS_DIR --out DIR` and the rubric's `--reproduce`.

    summary = run_execute(Path("submissions/s01"), Path("executed/s01"))
    verdicts = reproduce(Path("submissions/s01"), Path("executed/s01"))   # item id -> Verdict
    verdicts = verdicts_for(submission_run)                               # judge an existing run

`run_execute` writes the executed copies and `reproduction.json` (every run and verdict) into
the out folder and returns a JSON-safe summary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.reproduce import figures as figs
from grader.reproduce.execute import DEFAULT_SEEDS, execute_submission
from grader.reproduce.judge import ITEMS, Tolerances, Verdict, judge
from grader.reproduce.results import NotebookRun, SubmissionRun
from grader.reproduce.sandbox import Limits


def _read(path: str | None) -> str | None:
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def verdict_for(run: NotebookRun, tol: Tolerances | None = None) -> Verdict:
    """Judge one run: the original's printed figures against the executed copy's."""
    original, executed = _read(run.source), _read(run.executed_path)
    printed = figs.figures(original, run.role) if original else {}
    rerun = figs.figures(executed, run.role) if executed else {}
    return judge(run, printed, rerun, tol)


def reexecuted_figures(run: NotebookRun) -> dict[str, Any]:
    """What the re-executed copy prints (for nb-credit-accuracy's evidence), with the seeds' figures."""
    executed = _read(run.executed_path)
    out: dict[str, Any] = {"status": run.status.value, "figures": figs.figures(executed, run.role) if executed else {}}
    if run.seed_runs:
        out["seeds"] = [{"seed": r.seed, "figures": r.figures, **({"error": r.error} if r.error else {})}
                        for r in run.seed_runs]
    return out


def verdicts_for(sub: SubmissionRun, tol: Tolerances | None = None) -> dict[str, Verdict]:
    return {ITEMS[role]: verdict_for(run, tol) for role, run in sub.notebooks.items()}


def reproduce(folder: Path, out_dir: Path, *, limits: Limits | None = None, seeds: int = DEFAULT_SEEDS,
              tol: Tolerances | None = None) -> tuple[SubmissionRun, dict[str, Verdict]]:
    """Re-execute both lesson notebooks of `folder` and judge them."""
    sub = execute_submission(folder, out_dir, limits=limits, seeds=seeds)
    return sub, verdicts_for(sub, tol)


def run_execute(notebooks_dir: Path, out_dir: Path, *, limits: Limits | None = None,
                seeds: int = DEFAULT_SEEDS) -> dict[str, Any]:
    """`grader execute`: re-execute, judge, write the executed copies and reproduction.json."""
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    sub, verdicts = reproduce(Path(notebooks_dir), Path(out_dir), limits=limits, seeds=seeds)
    record = {"folder": sub.folder, "out_dir": sub.out_dir,
              "runs": {role: run.model_dump(mode="json") for role, run in sub.notebooks.items()},
              "verdicts": {item: v.model_dump(mode="json") for item, v in verdicts.items()}}
    Path(out_dir, "reproduction.json").write_text(json.dumps(record, indent=2, default=str))
    summary = {"out_dir": str(out_dir), "notebooks": sub.summary(),
               "verdicts": {item: {"status": v.status, "message": v.message,
                                   "review": v.review.model_dump() if v.review else None}
                            for item, v in verdicts.items()}}
    isolation = next((r.isolation.get("statement") for r in sub.notebooks.values() if r.isolation), None)
    summary["isolation"] = isolation
    return summary


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """What `grader execute` prints: one line per notebook and per verdict, the isolation."""
    lines = []
    for role, n in summary["notebooks"].items():
        where = f" -> {n['executed']}" if n.get("executed") else ""
        lines.append(f"{role}: {n['status']} ({n['message']}){where}")
    for item, v in summary["verdicts"].items():
        flag = f" [review: {v['review']['kind']}]" if v.get("review") else ""
        lines.append(f"{item}: {v['status']}: {v['message']}{flag}")
    if summary.get("isolation"):
        lines.append(f"sandbox: {summary['isolation']}")
    lines.append(f"record: {Path(summary['out_dir']) / 'reproduction.json'}")
    return lines


def exit_code(summary: dict[str, Any]) -> int:
    """0 when every notebook reproduces, 1 otherwise (something to look at)."""
    return 0 if all(v["status"] == "pass" for v in summary["verdicts"].values()) else 1
