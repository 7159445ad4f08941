"""Notebook analysis time on crafted cells of 10, 100 and 300 KB (issue 14, point 9).

    python benchmarks/bench_crafted.py [--sizes 10,100,300] [--repeats 3]

Each payload is one code cell (or one output) built to make a super-linear pattern backtrack:
long identifiers containing `bucket` or `job_name`, an unclosed `score(` repeated, many variables
assigned from `confusion_matrix`, an unclosed `confusion_matrix(`, thousands of `s3://` and `-20`
fragments in an output, placeholder-looking lines. "analysis" is `parse_notebook` plus every
derived fact (`grader.notebooks.collect`) of a credit notebook holding the cell; each figure is
the best of `repeats` runs. The target: linear in size, the 300 KB cells under 1 s each.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _code(text: str) -> dict[str, Any]:
    return {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": text, "outputs": []}


def _output_cell(text: str) -> dict[str, Any]:
    return {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": "print(x)",
            "outputs": [{"output_type": "stream", "name": "stdout", "text": text}]}


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


PAYLOADS: dict[str, Callable[[int], dict[str, Any]]] = {
    "bucket-word": lambda n: _code(_repeat("bucket", n)),
    "bucket-words": lambda n: _code(_repeat("my_bucket_x ", n)),
    "bucket-spaces": lambda n: _code("bucket" + " " * n),
    "job-name-word": lambda n: _code(_repeat("job_name", n)),
    "job-name-words": lambda n: _code(_repeat("xjob_namex ", n)),
    "score-train": lambda n: _code("train\n" + _repeat("score(", n)),
    "cm-variables": lambda n: _code("cm0 = confusion_matrix(y_test, p)\n" + "".join(
        f"v{i} = cm{i} + 1\ncm{i + 1} = v{i}\n" for i in range(n // 24))),
    "cm-open-call": lambda n: _code("confusion_matrix(" + _repeat("a(", n)),
    "assignments": lambda n: _code(_repeat("a = b\n", n)),
    "transform-lines": lambda n: _code(_repeat("X = scaler.transform(X)\n", n)),
    "report-cell": lambda n: _code("print(classification_report(y_test, p))\n" + _repeat("x = 1\n", n)),
    "placeholders": lambda n: _code(_repeat("X_scaled = \n", n)),
    "long-line": lambda n: _code("x = " + _repeat("a, ", n) + "="),
    "s3-output": lambda n: _output_cell(_repeat("s3://", n)),
    "date-output": lambda n: _output_cell("Starting the training job\n" + _repeat("-20", n)),
    "job-output": lambda n: _output_cell(_repeat("training job name: ", n)),
    "accuracy-output": lambda n: _output_cell(_repeat("accuracy ", n)),
}


def analyse(cell: dict[str, Any]) -> float:
    """Seconds to parse a credit notebook holding `cell` and compute all its facts."""
    from grader.demo.notebook_factory import credit_notebook, to_json
    from grader.notebooks import collect, parse_notebook

    doc = json.loads(to_json(credit_notebook()))
    doc["cells"].append(cell)
    data = json.dumps(doc)
    started = time.perf_counter()
    nb = parse_notebook(data, "credit-risk-classification.ipynb", role="credit")
    collect(Path("."), parse_notebook("{}", "rainfall_forecast.ipynb"), nb)
    return time.perf_counter() - started


def measure(sizes_kb: list[int], repeats: int = 3, payloads: list[str] | None = None) -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    for name in payloads or list(PAYLOADS):
        out[name] = {}
        for kb in sizes_kb:
            cell = PAYLOADS[name](kb * 1024)
            out[name][kb] = min(analyse(cell) for _ in range(repeats))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10,100,300")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--payloads", default="")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    figures = measure(sizes, args.repeats, [p for p in args.payloads.split(",") if p] or None)
    print(f"{'payload':<16}" + "".join(f"{str(kb) + ' KB':>10}" for kb in sizes))
    for name, row in figures.items():
        print(f"{name:<16}" + "".join(f"{row[kb]:>9.3f}s" for kb in sizes))
    worst = max(row[max(sizes)] for row in figures.values())
    print(f"worst at {max(sizes)} KB: {worst:.3f} s (target: under 1 s)")


if __name__ == "__main__":
    main()
