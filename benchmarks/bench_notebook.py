"""Reading and checking one ~1 MB executed notebook vs `nbformat.read` of the same file.

    python benchmarks/bench_notebook.py [--mb 1.0] [--repeats 15]

The notebook is the factory's executed credit-risk notebook, grown to the size asked with what
makes real notebooks big: a long training log (ANSI colours included) and a printed data frame
(text/plain and text/html). "read+check" is `grader.notebooks.read_notebook` plus every notebook
check of the rubric on it (accuracy, workflow, executed, evidence link with an in-memory stand-in
for the AWS facts). The contenders run in turn, `repeats` rounds; each figure is the best of its
runs (the least disturbed one), since a busy machine only ever adds time.
The target (issue 3): read+check < 1.5 x nbformat.read.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any


def big_notebook(path: Path, megabytes: float = 1.0) -> Path:
    """Write an executed credit notebook of about `megabytes` MB to `path`."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_output

    from grader.demo.notebook_factory import credit_notebook

    nb = credit_notebook()
    rows = [f"{i:<5d}{20 + i % 50:>4d}  {'male' if i % 3 else 'female':>6s}  {i % 4:>3d}  {'own':>7s}  "
            f"{1000 + 37 * i:>13d}  {6 + i % 48:>8d}  {'radio/TV':>19s}  {'good' if i % 10 < 7 else 'bad':>4s}"
            for i in range(1000)]
    html = "<table border=\"1\" class=\"dataframe\"><tbody>" + "".join(
        f"<tr><th>{i}</th><td>{20 + i % 50}</td><td>male</td><td>{1000 + 37 * i}</td><td>good</td></tr>"
        for i in range(1000)) + "</tbody></table>"
    frame = new_code_cell("pd.set_option('display.max_rows', None)\ncredit_df", execution_count=4,
                          outputs=[new_output("execute_result", data={"text/plain": "\n".join(rows), "text/html": html},
                                              execution_count=4)])
    nb.cells.insert(5, frame)
    count = 0
    for cell in nb.cells:  # number the cells again, in order, as a clean top-to-bottom run would
        if cell.cell_type == "code":
            count += 1
            cell.execution_count = count
            for out in cell.outputs:
                if out.output_type == "execute_result":
                    out.execution_count = count
    fit = next(c for c in nb.cells if c.cell_type == "code" and "linear.fit" in c.source)
    log = next(o for o in fit.outputs if o.get("name") == "stdout")
    line = ("\x1b[34m[03/30/2020 13:01:25 INFO 140515373418304] #progress_metric: host=algo-1, completed 50 % of "
            "epochs\x1b[0m\n\x1b[34m[03/30/2020 13:01:25 INFO 140515373418304] #quality_metric: host=algo-1, epoch=5,"
            " batch=400 train binary_classification_cross_entropy_objective <loss>=0.5231\x1b[0m\n")
    head, sep, tail = log["text"].partition("\n2020-03-30 13:01:45 Uploading")
    while len(nbformat.writes(nb).encode()) < megabytes * 1024 * 1024:
        head += line * 500  # the algorithm's log lines come before "Uploading"/"Completed"
        log["text"] = head + sep + tail
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


class _Stub:
    """The AWS facts nb-evidence-link reads, in memory."""

    def __init__(self, buckets: list[str], jobs: list[str]):
        self.s3 = type("S3", (), {"buckets": lambda _self: [{"Name": b} for b in buckets]})()
        self.sagemaker = type("SM", (), {"training_jobs": lambda _self, region: [{"TrainingJobName": j}
                                                                               for j in jobs]})()

    def training_jobs(self) -> Any:
        from grader.facts.regions import RegionScan

        return RegionScan("training jobs", ["us-east-2"], [], "benchmark",
                          {"us-east-2": self.sagemaker.training_jobs("us-east-2")}, {})


def read_and_check(path: Path) -> list[str]:
    """Read one notebook as the credit notebook of a submission and run every notebook check."""
    from checks import load_checks
    from grader.context import Context
    from grader.engine import run_check
    from grader.models import StudentInfo
    from grader.notebooks import LESSON_NOTEBOOKS, Notebook, collect, read_notebook

    checks = load_checks()
    credit = read_notebook(path, "credit", LESSON_NOTEBOOKS["credit"])
    rainfall = Notebook(role="rainfall", expected_name=LESSON_NOTEBOOKS["rainfall"], problem="not in this benchmark")
    sub = collect(path.parent, rainfall, credit)
    aws = _Stub(["sm-models-20200330-1244"], ["linear-learner-2020-03-30-13-21-40-623"])
    ctx = Context(student=StudentInfo(id="bench"), account=aws, submission=sub)  # type: ignore[arg-type]
    statuses = []
    for cid in ("nb-credit-executed", "nb-credit-accuracy", "nb-credit-workflow", "nb-evidence-link"):
        spec = checks[cid]
        statuses.append(f"{cid}={run_check(spec, ctx, spec.params()).status.value}")
    return statuses


def interleaved(funcs: dict[str, Any], repeats: int) -> dict[str, float]:
    """The best time of each function over `repeats` rounds, run in turn within each round, so
    that a busy machine slows every contender alike."""
    times: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(repeats):
        for name, func in funcs.items():
            started = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - started)
    return {name: min(ts) for name, ts in times.items()}


def measure(megabytes: float = 1.0, repeats: int = 15, folder: Path | None = None) -> dict[str, Any]:
    import nbformat

    with tempfile.TemporaryDirectory() as tmp:
        path = big_notebook(Path(folder or tmp) / "credit-risk-classification.ipynb", megabytes)
        size = path.stat().st_size
        statuses = read_and_check(path)  # warm-up: imports, regex compilation
        best = interleaved({
            "nbformat": lambda: nbformat.read(path, as_version=4),
            "json": lambda: json.loads(path.read_bytes()),
            "ours": lambda: read_and_check(path),
        }, repeats)
    return {"size_bytes": size, "nbformat_read_s": best["nbformat"], "json_loads_s": best["json"],
            "read_and_check_s": best["ours"], "ratio": best["ours"] / best["nbformat"], "statuses": statuses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    r = measure(args.mb, args.repeats)
    print(f"notebook size          {r['size_bytes'] / 1048576:8.2f} MB")
    print(f"json.loads             {r['json_loads_s'] * 1000:8.1f} ms")
    print(f"nbformat.read          {r['nbformat_read_s'] * 1000:8.1f} ms")
    print(f"grader read + checks   {r['read_and_check_s'] * 1000:8.1f} ms")
    print(f"ratio (target < 1.5)   {r['ratio']:8.2f}")
    print("statuses               " + ", ".join(r["statuses"]))


if __name__ == "__main__":
    main()
