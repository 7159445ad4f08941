"""The benchmark script of issue 3 runs and grades its 1 MB notebook right. Its timing figure
(read+check vs nbformat.read, target < 1.5x) is printed by benchmarks/bench_notebook.py and
reported, not asserted here: performance is measured in benchmarks/, not in timed tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_notebook.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_notebook", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_grades_its_megabyte_notebook(tmp_path):
    bench = load_bench()
    figures = bench.measure(1.0, repeats=1, folder=tmp_path)
    assert figures["size_bytes"] >= 1024 * 1024
    assert figures["statuses"] == ["nb-credit-executed=pass", "nb-credit-accuracy=pass", "nb-credit-workflow=pass",
                                   "nb-evidence-link=pass"]
    assert figures["ratio"] > 0


CRAFTED = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_crafted.py"


def test_crafted_cells_are_analysed_in_linear_time():
    """Issue 14: cells crafted against super-linear patterns (a 100 KB `bucketbucket...` word took
    about 30 s, 30 KB of confusion-matrix variables 40 s). A generous bound (3 s at 100 KB, where
    the benchmark shows under 0.3 s) keeps this from being a timing test."""
    spec = importlib.util.spec_from_file_location("bench_crafted", CRAFTED)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.analyse(bench.PAYLOADS["assignments"](1000))  # warm up the imports
    figures = bench.measure([100], repeats=1)
    assert set(figures) == set(bench.PAYLOADS)
    slow = {name: row[100] for name, row in figures.items() if row[100] > 3.0}
    assert slow == {}
