"""grader.notebooks.fingerprints: what only one run prints, and what many runs print alike."""

from __future__ import annotations

import json

import pytest

from grader.notebooks.fingerprints import MAX_PER_NOTEBOOK, fingerprints, is_ratio_of_counts
from grader.notebooks.mentions import notebook_mentions
from grader.notebooks.reader import parse_notebook


def _notebook(*cells: tuple[str, str]) -> bytes:
    """An nbformat 4 notebook of code cells, each (source, stdout text)."""
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": i + 1, "source": src,
         "outputs": [{"output_type": "stream", "name": "stdout", "text": out}]}
        for i, (src, out) in enumerate(cells)]}).encode()


def _prints(data: bytes) -> dict[str, list[str]]:
    nb = parse_notebook(data, "rainfall_forecast.ipynb", "rainfall")
    out: dict[str, list[str]] = {}
    for f in fingerprints(nb, notebook_mentions(nb)):
        out.setdefault(f.kind, []).append(f.value)
    return out


@pytest.mark.parametrize("figure", ["0.5471698113207547", "0.547169811321", "0.48333333333333334",
                                    "0.6363636363636364", "0.7150000000000001", "0.000000000", "0.48333333333333334e1"])
def test_ratios_of_small_counts_are_not_figures(figure):
    """A precision, recall, F1 or accuracy over a test set of a few hundred rows is p/q with a
    small q: many honest runs print it to the last digit."""
    assert is_ratio_of_counts(figure)


@pytest.mark.parametrize("figure", ["0.3903125434954216", "-0.05964426269418377", "0.35031494140625",
                                    "0.0251929759979", "0.120163654942", "1.5e-10", "0.000123456789012"])
def test_a_trained_models_figures_are_not_ratios(figure):
    assert not is_ratio_of_counts(figure)


def test_a_long_training_log_never_crowds_out_the_clock_or_the_metrics():
    """A log of thousands of full-precision losses comes first in the notebook; its time stamps,
    and the metrics printed after it, are kept all the same (they are what identifies the run)."""
    losses = "".join(f"[03/13/2020 01:24:{i % 60:02d} INFO 1] #quality_metric: loss={0.3 + i * 1.234567e-7:.15f}\n"
                     for i in range(3 * MAX_PER_NOTEBOOK))
    log = "2020-03-13 01:22:02 Starting - Starting the training job...\n" + losses
    data = _notebook(("linear.fit()", log),
                     ("print(rmse, r2, precision)", "RMSE: 0.3903125434954216\nR2 score: -0.05964426269418377\n"
                      "precision: 0.6363636363636364\n"))
    prints = _prints(data)
    assert "2020-03-13 01:22:02" in prints["timestamp"] and "03/13/2020 01:24:59" in prints["timestamp"]
    assert {"0.3903125434954216", "-0.05964426269418377"} <= set(prints["figure"])
    assert "0.6363636363636364" not in prints["figure"]  # 7/11
    assert sum(len(v) for v in prints.values()) == MAX_PER_NOTEBOOK  # bounded, the log's losses last
    assert any(f.startswith("0.3000") for f in prints["figure"])


def test_thousands_of_log_time_stamps_never_crowd_out_the_metrics_printed_after_them():
    """A log of 3,000 distinct seconds, then `print(rmse)` in the same stream (fit and the
    metrics in one cell): the time stamps are capped by kind, the metric is kept, and a
    published-run entry counts it among the run's printed figures."""
    from grader.integrity import published_run
    from grader.notebooks.fingerprints import PER_KIND

    log = "".join(f"[03/13/2020 {h:02d}:{m:02d}:{s:02d} INFO 1] #progress_metric: host=algo-1, done\n"
                  for h in range(1) for m in range(50) for s in range(60))
    data = _notebook(("linear.fit(); print(rmse)", "2020-03-13 01:22:02 Starting - Starting the training job...\n"
                      + log + "RMSE: 0.3903125434954216\n"))
    prints = _prints(data)
    assert len(prints["timestamp"]) == PER_KIND["timestamp"]
    assert "0.3903125434954216" in prints["figure"]
    nb = parse_notebook(data, "rainfall_forecast.ipynb", "rainfall")
    entry = published_run(nb, fingerprints(nb, notebook_mentions(nb)), "run", "rainfall")
    assert entry["figures"][0] == "0.3903125434954216"
