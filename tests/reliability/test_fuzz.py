"""Property-based fuzzing (hypothesis) of what reads student and TA files: the notebook reader and
every notebook check on top of it, the metric parsers, the roster parser, and `grader report`'s
loader. Properties: no exception other than the documented InputError, JSON-serialisable
evidence, and bounded time (hypothesis' per-example deadline, plus large adversarial inputs).

The notebook engineer's own hypothesis tests cover well-formed variations; these go wider:
nbformat-shaped JSON where any field may hold any JSON type.
"""

from __future__ import annotations

import inspect
import json
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks import load_checks
from grader.context import Context
from grader.engine import run_check
from grader.errors import InputError
from grader.models import Status, StudentInfo
from grader.notebooks import parse_notebook, read_submission
from grader.notebooks import text as T
from grader.notebooks.parsers import classification_report, confusion, figures, regression, tables
from grader.roster import parse_roster

FUZZ = settings(max_examples=100, deadline=3000, suppress_health_check=[HealthCheck.too_slow],
                derandomize=True, database=None)

# -- strategies -------------------------------------------------------------------------------------
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40))
any_json = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                        max_leaves=12)
METRIC_WORDS = ["accuracy_score: ", "Accuracy: ", "RMSE: ", "R2 score: ", "R\u00b2 = ", "precision", "recall",
                "f1-score", "support", "macro avg", "weighted avg", "micro avg", "accuracy", "Good", "Bad", "0", "1",
                "0.0", "1.0", "[[", "]]", "[", "]", "array(", ")", "\n", "  ", "\t", "%", "e-", "nan", "inf", "-",
                "<table>", "<tr>", "<th>", "<td>", "</td>", "</tr>", "</table>", "predicted", "actual",
                "col_0", "row_0", "All", "\x1b[34m", "\x1b[0m", "s3://", "bucket = ", "'", '"', "#"]
metric_text = st.lists(st.one_of(st.sampled_from(METRIC_WORDS), st.integers(-999, 99999).map(str),
                                 st.floats(-1e6, 1e6).map(lambda f: f"{f:.4g}"), st.text(max_size=6)),
                       max_size=60).map("".join)
maybe_text = st.one_of(metric_text, st.lists(st.one_of(metric_text, scalars), max_size=4), any_json)


def field(strategy):
    """A notebook field: usually (7 in 8) the right type, else any JSON value at all."""
    return st.sampled_from([strategy] * 7 + [any_json]).flatmap(lambda chosen: chosen)


output = st.fixed_dictionaries(
    {"output_type": field(st.sampled_from(["stream", "execute_result", "display_data", "error", "pyout", "pyerr",
                                           "widget"]))},
    optional={
        "name": field(st.sampled_from(["stdout", "stderr"])),
        "text": maybe_text,
        "data": field(st.fixed_dictionaries({}, optional={"text/plain": maybe_text, "text/html": maybe_text,
                                                          "image/png": any_json})),
        "ename": field(st.text(max_size=20)),
        "evalue": field(metric_text),
        "traceback": any_json,
        "execution_count": field(st.none() | st.integers(0, 50)),
        "metadata": any_json,
    },
)
cell = st.fixed_dictionaries(
    {"cell_type": field(st.sampled_from(["code", "code", "markdown", "raw"]))},
    optional={
        "source": maybe_text,
        "execution_count": field(st.none() | st.integers(-3, 60)),
        "outputs": field(st.lists(field(output), max_size=5)),
        "metadata": any_json,
        "id": any_json,
    },
)
notebook_doc = st.fixed_dictionaries(
    {"cells": field(st.lists(field(cell), max_size=8)), "nbformat": field(st.sampled_from([4, 4, 4, 3, 5]))},
    optional={"nbformat_minor": field(st.integers(0, 5)), "metadata": any_json, "worksheets": any_json},
)


def encode(doc) -> bytes:
    return json.dumps(doc, allow_nan=True).encode("utf-8", "surrogatepass")


notebook_bytes = st.one_of(
    notebook_doc.map(encode),
    st.binary(max_size=300),
    notebook_doc.map(encode).flatmap(lambda b: st.integers(0, len(b)).map(lambda n: b[:n])),  # truncated
    st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
    notebook_doc.map(lambda d: json.dumps(d).encode("utf-16")),
)

NOTEBOOK_ITEMS = [spec for spec in load_checks().values() if spec.category == "Notebooks" and "aws" not in spec.needs]


def grade_notebooks(submission) -> dict[str, str]:
    """Every notebook item that needs no AWS, over the submission: item id -> status. An item
    that raised (run_check's "Internal error") fails the property."""
    ctx = Context(student=StudentInfo(id="fuzz"), submission=submission)
    out = {}
    for spec in NOTEBOOK_ITEMS:
        res = run_check(spec, ctx, spec.params())
        assert "internal_error" not in res.evidence, (spec.id, res.evidence)
        json.dumps(res.evidence, allow_nan=False)  # evidence is JSON: no NaN, no infinities
        assert res.message.strip()
        out[spec.id] = res.status
    return out


# -- the notebook reader and the notebook checks --------------------------------------------------------
def test_notebook_items_are_fuzzed():
    assert {s.id for s in NOTEBOOK_ITEMS} >= {"nb-rainfall-executed", "nb-rainfall-metrics", "nb-credit-executed",
                                              "nb-credit-accuracy", "nb-credit-workflow"}


@settings(FUZZ, max_examples=60)
@given(rainfall=notebook_bytes, credit=notebook_bytes)
def test_read_submission_and_notebook_checks_never_raise(rainfall, credit):
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "rainfall_forecast.ipynb").write_bytes(rainfall)
        Path(folder, "Credit-Risk-Classification (1).ipynb").write_bytes(credit)
        sub = read_submission(Path(folder))
        for nb in (sub.rainfall.notebook, sub.credit.notebook):
            assert nb.problem is None or (isinstance(nb.problem, str) and "\n" not in nb.problem.strip())
            if nb.problem:
                assert nb.cells == ()
        json.dumps(sub.describe())
        assert all(isinstance(name, str) for name in sub.mentioned_buckets + sub.mentioned_jobs)
        statuses = grade_notebooks(sub)
    if sub.rainfall.notebook.problem:
        assert statuses["nb-rainfall-executed"] == Status.FAIL


@FUZZ
@given(doc=notebook_doc)
def test_parse_notebook_of_any_shape(doc):
    nb = parse_notebook(encode(doc), name="rainfall_forecast.ipynb", role="rainfall")
    assert nb.problem is None or isinstance(nb.problem, str)
    if nb.ok:
        for c in nb.cells:
            assert isinstance(c.source, str)
            assert c.execution_count is None or (isinstance(c.execution_count, int)
                                                 and not isinstance(c.execution_count, bool))
            for o in c.outputs:
                assert isinstance(o.text, str) and isinstance(o.html, str)


_BASES = {}


def _base(kind: str) -> dict:
    """The factory's executed lesson notebook (parsed JSON), made once."""
    if kind not in _BASES:
        from grader.demo.notebook_factory import credit_notebook, rainfall_notebook, to_json

        _BASES[kind] = to_json(rainfall_notebook() if kind == "rainfall" else credit_notebook())
    return json.loads(_BASES[kind])


edits = st.lists(st.tuples(st.integers(0, 40), st.sampled_from(["stdout", "stderr", "result", "html", "error",
                                                                  "source"]), metric_text), min_size=1, max_size=6)


@settings(FUZZ, max_examples=40)
@given(rainfall_edits=edits, credit_edits=edits)
def test_real_notebooks_with_random_outputs(rainfall_edits, credit_edits):
    """The lesson's real notebooks with random text in their outputs and code: the metric,
    confusion-matrix and report parsers see near-real layouts with random numbers and words."""
    docs = {}
    for kind, changes in (("rainfall", rainfall_edits), ("credit", credit_edits)):
        doc = _base(kind)
        code = [c for c in doc["cells"] if c["cell_type"] == "code"]
        for n, what, text in changes:
            c = code[n % len(code)]
            if what == "source":
                c["source"] = text
            elif what == "error":
                c["outputs"].append({"output_type": "error", "ename": text[:20] or "E", "evalue": text,
                                     "traceback": []})
            elif what in ("result", "html"):
                key = "text/plain" if what == "result" else "text/html"
                c["outputs"].append({"output_type": "execute_result", "execution_count": c["execution_count"],
                                     "data": {key: text}, "metadata": {}})
            else:
                c["outputs"].append({"output_type": "stream", "name": what, "text": text})
        docs[kind] = doc
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "rainfall_forecast.ipynb").write_text(json.dumps(docs["rainfall"]))
        Path(folder, "credit-risk-classification.ipynb").write_text(json.dumps(docs["credit"]))
        sub = read_submission(Path(folder))
        assert sub.rainfall.notebook.ok and sub.credit.notebook.ok
        grade_notebooks(sub)


# -- the metric parsers -----------------------------------------------------------------------------
PARSER_MODULES = (figures, regression, tables, classification_report, confusion)
TEXT_PARSERS = [f for module in PARSER_MODULES for name, f in inspect.getmembers(module, inspect.isfunction)
                if f.__module__ == module.__name__ and (name.startswith(("find_", "bare_")))]
TEXT_HELPERS = [T.clean_text, T.strip_comments, T.numbers_in, T.parse_number, T.is_log_line, T.quote]


def test_every_text_parser_is_fuzzed():
    names = {f.__name__ for f in TEXT_PARSERS}
    assert {"find_accuracy", "find_rmse", "find_r2", "find_reports", "find_text_grids", "find_html_grids",
            "find_matrices", "bare_number", "bare_tuple"} <= names


@FUZZ
@given(text=st.one_of(metric_text, st.text(max_size=300)))
def test_metric_parsers_are_total(text):
    for parse in TEXT_PARSERS:
        found = parse(text)
        assert found is None or isinstance(found, list | classification_report.ClassificationReport | T.Number | confusion.Confusion), parse.__name__
    for grid in tables.find_text_grids(text) + tables.find_html_grids(text):
        classification_report.report_from_grid(grid)
        confusion.confusion_from_grid(grid)
        confusion.confusion_from_grid(grid, flipped_hint=True)
    for helper in TEXT_HELPERS:
        helper(text)


ADVERSARIAL = {
    "nested-brackets": "[" * 50_000 + "1" + "]" * 50_000,
    "many-numbers": "1 " * 100_000,
    "many-keywords": "accuracy " * 30_000,
    "unclosed-html": "<table><tr><td>" * 10_000,
    "big-grid": ("0.5 " * 40 + "\n") * 3_000,
    "long-number": "RMSE: " + "9" * 100_000,
    "long-report": "precision recall f1-score support\n" + ("Good 0.1 0.2 0.3 10\n" * 20_000),
    "ansi-escapes": "\x1b[" * 50_000,
}


@pytest.mark.parametrize("text", list(ADVERSARIAL.values()), ids=list(ADVERSARIAL))
def test_parsers_take_bounded_time_on_adversarial_text(text):
    started = time.perf_counter()
    for parse in TEXT_PARSERS:
        parse(text)
    for helper in TEXT_HELPERS:
        helper(text)
    assert time.perf_counter() - started < 10


# -- the roster parser --------------------------------------------------------------------------------
roster_cells = st.one_of(st.sampled_from(["student_id", "name", "email", "role_arn", "external_id", "regions",
                                          "notebooks", "profile", "Student ID", "s01", "s02", "../x", "CON", ".",
                                          "all", "us-east-2", '"', '""', "\ufeff", " ", ""]),
                         st.text(max_size=12))
roster_text = st.lists(st.lists(roster_cells, max_size=6).map(",".join), max_size=8).flatmap(
    lambda rows: st.sampled_from(["\n", "\r\n", "\r"]).map(lambda nl: nl.join(rows)))


@FUZZ
@given(text=st.one_of(roster_text, st.text(max_size=200)))
def test_roster_parser_raises_only_input_errors(text, tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    try:
        roster = parse_roster(text, base_dir=base, source="fuzz.csv")
    except InputError as exc:
        assert str(exc).startswith("roster fuzz.csv") and "\n" not in str(exc)
        return
    folders = [e.folder.lower() for e in roster]
    assert len(set(folders)) == len(folders) == len({e.student_id for e in roster})
    for e in roster:
        assert e.student_id.strip() and "/" not in e.folder and "\\" not in e.folder
        assert e.folder not in (".", "..") and len(e.folder) <= 100


# -- grader report's loader ---------------------------------------------------------------------------
@FUZZ
@given(data=st.one_of(any_json, st.fixed_dictionaries({"schema": st.sampled_from(
    ["grader.student-report/1", "grader.class-report/1"])}, optional={
    "student": any_json, "rubric": any_json, "status": any_json, "score": any_json, "items": any_json,
    "students": any_json, "generated_at": any_json, "grader_version": any_json})))
def test_saved_report_loader_raises_only_input_errors(data, tmp_path_factory):
    from reports import STUDENT_FORMATS, load_renderers
    from reports.rerender import load_saved

    load_renderers()
    path = Path(tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp())) / "report.json"
    path.write_text(json.dumps(data), encoding="utf-8", errors="surrogatepass")
    try:
        saved = load_saved(path)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    if saved.kind == "student":
        for renderer in STUDENT_FORMATS.values():
            renderer.render(saved.data)
