"""Property tests: random text at the parsers, random JSON and bytes at the reader. Nothing raises;
whatever is returned has the promised shape."""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks import load_checks
from grader.context import Context
from grader.engine import run_check
from grader.models import CheckResult, StudentInfo
from grader.notebooks import Notebook, collect, parse_notebook
from grader.notebooks.parsers.classification_report import (
    ClassificationReport,
    find_reports,
    report_from_grid,
)
from grader.notebooks.parsers.confusion import (
    Confusion,
    confusion_from_grid,
    find_matrices,
    norm_label,
)
from grader.notebooks.parsers.figures import bare_number, bare_tuple, find_accuracy
from grader.notebooks.parsers.regression import find_r2, find_rmse
from grader.notebooks.parsers.tables import find_html_grids, find_text_grids
from grader.notebooks.text import clean_text, numbers_in, strip_comments

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text biased towards the characters and words the parsers look for.
WORDS = st.sampled_from([
    "accuracy", "Accuracy Score:", "accuracy_score", "RMSE", "R2 score", "R\u00b2", "r2_score", "precision", "recall",
    "f1-score", "support", "micro avg", "macro avg", "Predicted", "Actual", "col_0", "Bad", "Good", "0", "1", "0.0",
    "1.0", "[[", "]]", "[", "]", "array(", ")", "%", "nan", "inf", "-", "\u2212", "e-", ":", "=", ",", "\n", "  ",
    "    ", "\t", "\x1b[34m", "\x1b[0m", "\r", "<table>", "<tr>", "<th>", "<td>", "</td>", "</tr>", "</table>",
    "s3://", "bucket", "job", "training-job", "'", '"', "{", "}", "Billable seconds:", "#quality_metric",
])
NUMBERS = st.one_of(st.integers(-1000, 100000).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr))
TEXT = st.one_of(st.text(max_size=300), st.lists(st.one_of(WORDS, NUMBERS, st.text(max_size=5)), max_size=60)
                 .map("".join), st.lists(st.one_of(WORDS, NUMBERS), max_size=40).map(" ".join))


@SETTINGS
@given(TEXT)
def test_text_parsers_are_total(text):
    for found in find_accuracy(text):
        assert 0.0 <= found.value <= 1.0 and found.line
    for found in find_rmse(text) + find_r2(text):
        assert isinstance(found.value, float)
    for rep in find_reports(text):
        assert isinstance(rep, ClassificationReport)
        assert rep.accuracy is None or 0.0 <= rep.accuracy.value <= 1.0
        rep.predicted_counts()
    for cm in find_matrices(text) + find_matrices(text, flipped_hint=True):
        _check_confusion(cm)
    for grid in find_text_grids(text) + find_html_grids(text):
        cm = confusion_from_grid(grid)
        if cm is not None:
            _check_confusion(cm)
        report_from_grid(grid)
    bare_number(text)
    bare_tuple(text)
    norm_label(text)
    numbers_in(text)
    assert "\x1b[" not in clean_text(text.replace("\x1b", "\x1b[0m"))
    strip_comments(text)


def _check_confusion(cm: Confusion) -> None:
    assert isinstance(cm, Confusion)
    assert cm.total > 0 and 0 <= cm.correct <= cm.total
    assert 0.0 <= cm.accuracy.value <= 1.0
    assert sum(cm.predicted_counts().values()) == cm.total == sum(cm.actual_counts().values())


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)),
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(st.text(max_size=8), children,
                                                                               max_size=5)),
    max_leaves=30,
)
ANY = st.one_of(JSON, st.text(max_size=20), st.integers(), st.none())
OUTPUT = st.one_of(
    st.fixed_dictionaries({"output_type": st.just("stream"), "name": st.sampled_from(["stdout", "stderr", "x"]),
                           "text": st.one_of(TEXT, st.lists(TEXT, max_size=3), ANY)}),
    st.fixed_dictionaries({"output_type": st.sampled_from(["execute_result", "display_data"]),
                           "data": st.one_of(st.fixed_dictionaries({"text/plain": st.one_of(TEXT, ANY),
                                                                    "text/html": st.one_of(TEXT, ANY)}), ANY)}),
    st.fixed_dictionaries({"output_type": st.just("error"), "ename": ANY, "evalue": ANY}),
    ANY,
)
CELL = st.one_of(
    st.fixed_dictionaries({"cell_type": st.just("code"), "source": st.one_of(TEXT, st.lists(TEXT, max_size=3), ANY),
                           "execution_count": st.one_of(st.none(), st.integers(-5, 50), ANY),
                           "outputs": st.one_of(st.lists(OUTPUT, max_size=4), ANY)}),
    st.fixed_dictionaries({"cell_type": st.sampled_from(["markdown", "raw"]), "source": TEXT}),
    ANY,
)
NOTEBOOK = st.fixed_dictionaries({
    "nbformat": st.one_of(st.just(4), ANY), "nbformat_minor": st.one_of(st.integers(0, 5), ANY),
    "metadata": st.one_of(st.just({}), ANY), "cells": st.one_of(st.lists(CELL, max_size=6), ANY)})


def _grade(nb: Notebook) -> list[CheckResult]:
    sub = collect(nb.path or __import__("pathlib").Path("."), nb, nb)
    ctx = Context(student=StudentInfo(id="p"), submission=sub)
    checks = load_checks()
    out = []
    for item in ("nb-rainfall-executed", "nb-rainfall-metrics", "nb-credit-executed", "nb-credit-accuracy",
                 "nb-credit-workflow"):
        res = run_check(checks[item], ctx, checks[item].params())
        assert res.status.value in ("pass", "partial", "fail", "warn"), res
        out.append(res)
    assert all(isinstance(name, str) for name in sub.mentioned_buckets + sub.mentioned_jobs)
    return out


@SETTINGS
@given(st.one_of(NOTEBOOK, JSON))
def test_reader_and_checks_survive_random_json(doc):
    nb = parse_notebook(json.dumps(doc), "credit-risk-classification.ipynb", role="credit")
    assert nb.ok or (nb.problem and "\n" not in nb.problem and nb.cells == ())
    for res in _grade(nb):
        assert "Internal error" not in res.message
        if not nb.ok:
            assert res.status.value == "fail"


@SETTINGS
@given(st.binary(max_size=400))
def test_reader_survives_random_bytes(data):
    nb = parse_notebook(data)
    assert nb.ok or nb.problem
    _grade(nb)


@SETTINGS
@given(st.integers(0, 4000), st.sampled_from(["[", "{\"a\":", "{\"cells\":["]))
def test_deep_nesting_never_raises(depth, opener):
    nb = parse_notebook(opener * depth)
    assert not nb.ok


@SETTINGS
@given(st.floats(0, 1), st.integers(0, 6))
def test_printed_accuracy_round_trips(value, digits):
    if math.isnan(value):
        return
    [found] = find_accuracy(f"accuracy_score: {value:.{digits}f}")
    assert abs(found.value - value) <= found.number.tolerance + 1e-9
