"""The real-looking fixture submissions of tests/data/notebooks/: every notebook item passes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checks import load_checks
from grader.context import Context
from grader.engine import run_check
from grader.models import StudentInfo
from grader.notebooks import read_submission
from grader.rubric import load_rubric

DATA = Path(__file__).resolve().parent.parent / "data" / "notebooks"
EXPECTED = json.loads((DATA / "expected.json").read_text())
LOCAL_ITEMS = ["nb-rainfall-executed", "nb-rainfall-metrics", "nb-credit-executed", "nb-credit-accuracy",
               "nb-credit-workflow"]


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_every_notebook_item_passes(case, rubric):
    sub = read_submission(DATA / case)
    ctx = Context(student=StudentInfo(id=case), submission=sub)
    checks = load_checks()
    for item in LOCAL_ITEMS:
        res = run_check(checks[item], ctx, rubric.params_for(item))
        assert res.status.value == "pass", (item, res.message, res.evidence)
    assert sub.credit.figures[-1].number.value == pytest.approx(EXPECTED[case]["accuracy"])


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_names_mentioned(case):
    sub = read_submission(DATA / case)
    assert list(sub.mentioned_buckets) == [EXPECTED[case]["bucket"]]
    assert list(sub.mentioned_jobs) == EXPECTED[case]["jobs"]


def test_fixture_shapes_are_what_they_claim():
    course = read_submission(DATA / "course-2020-sdk-v1")
    assert course.credit.notebook.nbformat == "4.2" and course.credit.reports[0][0].accuracy_row == "micro avg"
    modern = (DATA / "modern-sdk-v2" / "credit-risk-classification.ipynb").read_text()
    assert "\n" not in modern.strip()  # minified
    on_v2 = read_submission(DATA / "v1-code-on-sdk-v2")
    renamed = [o for c in on_v2.rainfall.notebook.cells for o in c.outputs if "renamed in sagemaker>=2" in o.text]
    assert renamed and all(o.kind == "stderr" for o in renamed)
    suffix = read_submission(DATA / "download-suffix")
    assert suffix.credit.notebook.name == "Credit_Risk_Classification (1).ipynb"
    assert suffix.rainfall.notebook.name == "rainfall-forecast(2).ipynb"


@pytest.mark.parametrize("path", sorted(p for p in DATA.glob("*/*.ipynb")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixtures_are_valid_nbformat(path):
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4
