"""grader.demo.notebook_factory: valid executed notebooks whose knobs change exactly what they say."""

from __future__ import annotations

import json

import nbformat
import pytest

from grader.demo.notebook_factory import (
    DEMO_KNOBS,
    CreditOptions,
    credit_arrays,
    credit_notebook,
    demo_notebook,
    rainfall_notebook,
    to_json,
    write_submission,
)
from grader.notebooks import parse_notebook, read_submission
from grader.notebooks.facts import credit_facts, rainfall_facts


def parsed(nb, name="credit-risk-classification.ipynb"):
    return credit_facts(parse_notebook(to_json(nb), name))


@pytest.mark.parametrize("sdk", ["v1", "v2", "v1-on-v2"])
def test_notebooks_are_valid_nbformat(sdk):
    for nb in (rainfall_notebook(sdk=sdk), credit_notebook(sdk=sdk), credit_notebook(sdk=sdk, crosstab=True)):
        nbformat.validate(nb)
        assert nb.nbformat_minor == 5
    old = credit_notebook(minor=2)
    assert old.nbformat_minor == 2 and all("id" not in c for c in old.cells)


def test_deterministic():
    assert to_json(credit_notebook()) == to_json(credit_notebook())
    assert to_json(rainfall_notebook(sdk="v1")) == to_json(rainfall_notebook(sdk="v1"))


def test_sdk_code_styles():
    v1 = to_json(credit_notebook(sdk="v1"))
    v2 = to_json(credit_notebook(sdk="v2"))
    on_v2 = parsed(credit_notebook(sdk="v1-on-v2"))
    assert "get_image_uri" in v1 and "train_instance_count" in v1 and "csv_serializer" in v1
    assert "renamed in sagemaker>=2" not in v1
    assert "image_uris.retrieve" in v2 and "instance_count=1" in v2 and "CSVSerializer()" in v2
    warnings = [o.text for c in on_v2.notebook.cells for o in c.outputs if o.kind == "stderr" and "renamed" in o.text]
    assert len(warnings) >= 3 and not on_v2.execution.errors


@pytest.mark.parametrize(("labels", "keys"), [("Good/Bad", ("bad", "good")), ("good/bad", ("bad", "good")),
                                              ("0/1", ("0", "1")), ("0.0/1.0", ("0", "1"))])
@pytest.mark.parametrize("crosstab", [False, True])
def test_label_styles_and_confusion_layouts(labels, keys, crosstab):
    nb = parsed(credit_notebook(labels=labels, crosstab=crosstab))
    facts = nb
    assert [f.kind for f in facts.figures] == ["accuracy", "classification report (accuracy row)", "confusion matrix"]
    assert all(f.number.value == pytest.approx(0.77, abs=0.005) for f in facts.figures)
    [(cm, _)] = facts.matrices
    assert set(cm.classes) == set(keys) and cm.correct == 154 and cm.total == 200


def test_consistent_numbers_follow_the_confusion_knob():
    nb = parsed(credit_notebook(confusion=((100, 43), (40, 17))))
    assert [round(f.number.value, 3) for f in nb.figures] == [0.585, 0.58, 0.585]
    y_test, y_pred = credit_arrays(confusion=((100, 43), (40, 17)), labels="0/1")
    assert len(y_test) == 200 and sum(a == p for a, p in zip(y_test, y_pred, strict=True)) == 117


def test_edited_accuracy_disagrees_with_the_matrix():
    nb = parsed(credit_notebook(edited_accuracy=0.92))
    assert [f.number.value for f in nb.figures] == [0.92, 0.92, 0.77]


def test_old_sklearn_micro_avg_and_constant_model():
    old = parsed(credit_notebook(old_sklearn=True))
    assert old.reports[0][0].accuracy_row == "micro avg"
    const = parsed(credit_notebook(constant=True, crosstab=True))
    [(cm, _)] = const.matrices
    assert cm.predicted_counts()["bad"] == 0
    assert any("UndefinedMetricWarning" in o.text for c in const.notebook.cells for o in c.outputs)


def test_execution_knobs():
    assert parsed(credit_notebook(executed=False)).execution.executed == 0
    assert [o.ename for _, o in parsed(credit_notebook(error_last=True)).execution.errors] == ["ClientError"]
    assert len(parsed(credit_notebook(out_of_order=True)).execution.out_of_order) == 1
    rain = rainfall_facts(parse_notebook(to_json(rainfall_notebook(r2=None))))
    assert len(rain.rmse) == 1 and rain.r2 == ()


def test_names_mentioned():
    nb = parsed(credit_notebook(bucket="sm-models-x1", job_name="credit-job-9"))
    assert list(nb.mentions.buckets) == ["sm-models-x1"] and list(nb.mentions.jobs) == ["credit-job-9"]
    quiet = parsed(credit_notebook(bucket=None, job_name=None))
    assert quiet.mentions.buckets == {} and quiet.mentions.jobs == {}


def test_options_object_and_changes():
    base = CreditOptions(labels="0/1")
    assert to_json(credit_notebook(base, crosstab=True)) == to_json(credit_notebook(labels="0/1", crosstab=True))


def test_demo_notebook_knobs_and_names():
    text = demo_notebook("credit", "constant_model", bucket="sm-models-demo-1", credit_job="linear-learner-credit-1")
    nb = credit_facts(parse_notebook(text))
    assert json.loads(text)["nbformat"] == 4
    assert list(nb.mentions.buckets) == ["sm-models-demo-1"] and list(nb.mentions.jobs) == ["linear-learner-credit-1"]
    assert nb.matrices[0][0].predicted_counts()["bad"] == 0
    assert rainfall_facts(parse_notebook(demo_notebook("rainfall", "unexecuted"))).execution.executed == 0
    assert set(DEMO_KNOBS["credit"]) >= {"edited_accuracy", "constant_model", "unexecuted"}
    with pytest.raises(ValueError, match="unknown credit notebook knob 'nope'"):
        demo_notebook("credit", "nope")
    with pytest.raises(ValueError, match="unknown notebook kind"):
        demo_notebook("other")


def test_write_submission(tmp_path):
    folder = write_submission(tmp_path / "s01", rainfall=rainfall_notebook(), credit=credit_notebook(), minified=True)
    assert sorted(p.name for p in folder.iterdir()) == ["credit-risk-classification.ipynb", "rainfall_forecast.ipynb"]
    assert "\n" not in (folder / "rainfall_forecast.ipynb").read_text()
    sub = read_submission(folder)
    assert sub.rainfall.notebook.ok and sub.credit.notebook.ok
    only = write_submission(tmp_path / "s02", credit=credit_notebook(), credit_name="Credit Risk Classification (1).ipynb")
    assert read_submission(only).credit.notebook.name == "Credit Risk Classification (1).ipynb"
