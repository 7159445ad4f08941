"""grader.notebooks.metrics, .execution and .steps (through .facts): which output is which metric, with the cell's code as context;
execution facts; the credit notebook's workflow steps."""

from __future__ import annotations

import numpy as np
import pandas as pd

from grader.notebooks.facts import rainfall_facts
from grader.notebooks.steps import STEP_NAMES

from .helpers import code, credit, error, md, notebook, rainfall, result, stderr, stdout


# -- execution -----------------------------------------------------------------------------------
def test_execution_facts():
    nb = credit(notebook(code("a", n=1), md("m"), code("b", n=5), code("", n=None), code("c", n=None),
                        code("d", n=3), code("e", error("KeyError", "'x'"), n=9), number=False))
    ex = nb.execution
    assert ex.code_cells == 5 and ex.executed == 4
    assert [c.label for c in ex.unexecuted] == ["cell 5 (not run)"]
    assert [(a.label, b.label) for a, b in ex.out_of_order] == [("cell 3 (In [5])", "cell 6 (In [3])")]
    assert [(c.label, o.ename) for c, o in ex.errors] == [("cell 7 (In [9])", "KeyError")]


def test_gaps_are_not_out_of_order():
    nb = credit(notebook(code("a", n=2), code("b", n=7), code("c", n=30), number=False))
    assert nb.execution.out_of_order == ()


# -- credit metrics ------------------------------------------------------------------------------
def kinds(nb):
    return [(f.kind, round(f.number.value, 4), f.place.cell) for f in nb.figures]


def test_bare_accuracy_named_by_the_last_expression():
    nb = credit(notebook(code("acc = accuracy_score(y_test, y_pred)\nacc", result("0.765")),
                        code("accuracy_score(y_test, y_pred)", result("np.float64(0.765)")),
                        code("print(accuracy_score(y_test, y_pred))", stdout("0.765\n")),
                        code("balanced_accuracy_score(y_test, y_pred)", result("0.66")),
                        code("model.score(X, y)", result("0.8")),
                        code("x = 1\n0.5", result("0.5"))))
    assert kinds(nb) == [("accuracy", 0.765, 1), ("accuracy", 0.765, 2), ("accuracy", 0.765, 3)]


def test_accuracy_report_and_matrix_with_places():
    nb = credit(notebook(
        code("print(f'accuracy_score: {acc}')", stdout("accuracy_score: 0.77\n")),
        code("print(classification_report(y_test, y_pred))",
             stdout("              precision    recall  f1-score   support\n\n"
                    "           0       0.81      0.90      0.85       143\n"
                    "           1       0.63      0.46      0.53        57\n\n"
                    "    accuracy                           0.77       200\n")),
        code("print(confusion_matrix(y_test, y_pred))", stdout("[[128  15]\n [ 31  26]]\n")),
    ))
    assert kinds(nb) == [("accuracy", 0.77, 1), ("classification report (accuracy row)", 0.77, 2),
                         ("confusion matrix", 0.77, 3)]
    cm, place = nb.matrices[0]
    assert cm.display == {"0": "0", "1": "1"} and place.cell == 3
    assert nb.figures[2].printed == "[[128 15] / [ 31 26]]"


def test_numpy_matrix_is_named_after_the_report_classes():
    nb = credit(notebook(
        code("print(confusion_matrix(y_test, y_pred))", stdout("[[ 26  31]\n [ 15 128]]\n")),
        code("print(classification_report(y_test, y_pred))",
             stdout("              precision    recall  f1-score   support\n\n"
                    "         Bad       0.63      0.46      0.53        57\n"
                    "        Good       0.81      0.90      0.85       143\n")),
    ))
    cm, _ = nb.matrices[0]
    assert cm.actual == ("bad", "good") and cm.display["bad"] == "Bad"


def test_integer_tables_count_as_matrices_only_in_context():
    ct = pd.crosstab(pd.Series(["male", "female", "male"], name="Sex"), pd.Series(["good", "bad", "bad"], name="Risk"))
    nb = credit(notebook(
        code("pd.crosstab(df['Sex'], df['Risk'])", result(repr(ct), ct._repr_html_())),
        code("np.array([[1, 2], [3, 4]])", result("array([[1, 2],\n       [3, 4]])")),
        code("cm = confusion_matrix(y_test, preds)"),
        code("cm", result("array([[128,  15],\n       [ 31,  26]])")),
        code("cm_df = pd.DataFrame(cm)\nprint('ok')", stdout("ok\n")),
        code("cm_df", result("     0   1\n0  128  15\n1   31  26")),
        code("print('Confusion Matrix')\nprint(m)", stdout("Confusion Matrix\n[[128  15]\n [ 31  26]]\n")),
    ))
    assert [p.cell for _, p in nb.matrices] == [4, 6, 7]


def test_html_only_outputs_are_read():
    y_test = np.array(["good"] * 143 + ["bad"] * 57)
    y_pred = np.array(["good"] * 128 + ["bad"] * 15 + ["good"] * 31 + ["bad"] * 26)
    ct = pd.crosstab(pd.Series(y_test, name="Actual"), pd.Series(y_pred, name="Predicted"))
    nb = credit(notebook(code("display(pd.crosstab(y_test, y_pred))",
                             {"output_type": "display_data", "data": {"text/html": ct._repr_html_()}})))
    [(cm, _)] = nb.matrices
    assert cm.correct == 154 and cm.predicted_counts() == {"bad": 41, "good": 159}


def test_stderr_and_training_logs_are_not_metrics():
    log = ("2020-03-12 17:36:08 Starting - Starting the training job...\n"
           + "[03/12/2020 17:39:50 INFO 1] #progress_metric: host=algo-1, completed 10 % of epochs\n" * 300
           + "Accuracy: 0.99 (a line inside the log)\n"
           + "2020-03-12 17:40:19 Completed - Training job completed\nTraining seconds: 95\nBillable seconds: 95\n"
           + "accuracy_score: 0.77\n")
    nb = credit(notebook(code("linear.fit(data)\nprint(...)", stdout(log)),
                        code("x", stderr("accuracy_score: 0.5\nRMSE: 3\n"))))
    assert kinds(nb) == [("accuracy", 0.77, 1)]
    assert rainfall_facts(nb.notebook).rmse == ()


def test_predictor_types_from_code_not_comments():
    nb = credit(notebook(code("# predictor_type='regressor'\nlinear.set_hyperparameters(predictor_type=\"binary_classifier\")"),
                        code("ll = LinearLearner(role, predictor_type='regressor')"),
                        code("hp = {'predictor_type': 'multiclass_classifier'}")))
    assert [t for t, _ in nb.predictor_types] == ["binary_classifier", "regressor", "multiclass_classifier"]


# -- rainfall metrics ------------------------------------------------------------------------------
def test_rainfall_metrics_lines_and_bare_values():
    nb = rainfall(notebook(code("print(f'RMSE: {rmse}')\nprint(f'R2 score: {r2}')",
                             stdout("RMSE: 0.362\nR2 score: -0.092\n")),
                        code("rmse", result("0.3621")),
                        code("rmse, r2", result("(0.3621, -0.0923)")),
                        code("r2_score(y_test, y_pred)", result("np.float64(-0.0923)"))))
    facts = nb
    assert [(f.value, p.cell) for f, p in facts.rmse] == [(0.362, 1), (0.3621, 2), (0.3621, 3)]
    assert [(f.value, p.cell) for f, p in facts.r2] == [(-0.092, 1), (-0.0923, 3), (-0.0923, 4)]


# -- workflow --------------------------------------------------------------------------------------
def steps(nb):
    return {k: (str(v) if v else None) for k, v in nb.steps.found.items()}


def test_workflow_steps_found_with_cells():
    nb = credit(notebook(
        code("from sklearn.preprocessing import StandardScaler, OneHotEncoder\nfrom sklearn.metrics import *"),
        code("X = pd.get_dummies(X)"),
        code("X_train, X_test, y_train, y_test = train_test_split(X, y)"),
        code("X_train = StandardScaler().fit_transform(X_train)"),
        code("linear.set_hyperparameters(predictor_type='binary_classifier')"),
        code("print(classification_report(y_test, y_pred))", stdout("report here\n")),
        code("pd.crosstab(y_test, y_pred)", result("col_0  0  1\nrow_0\n0  1  2\n1  3  4")),
        code("predictor.delete_endpoint()"),
    ))
    found = steps(nb)
    assert set(found) == set(STEP_NAMES)
    assert found == {
        "split": "credit-risk-classification.ipynb cell 3 (In [3]) code",
        "one_hot": "credit-risk-classification.ipynb cell 2 (In [2]) code",
        "scale": "credit-risk-classification.ipynb cell 4 (In [4]) code",
        "binary_classifier": "credit-risk-classification.ipynb cell 5 (In [5]) code",
        "classification_report": "credit-risk-classification.ipynb cell 6 (In [6]) code",
        "confusion_matrix": "credit-risk-classification.ipynb cell 7 (In [7]) output",
        "delete_endpoint": "credit-risk-classification.ipynb cell 8 (In [8]) code",
    }
    assert nb.steps.count == 7


def test_imports_comments_and_unrun_cells_do_not_count():
    nb = credit(notebook(
        code("from sklearn.preprocessing import StandardScaler\nfrom sklearn.model_selection import train_test_split"),
        code("# X = pd.get_dummies(X)\n# YOUR CODE HERE"),
        code("print(classification_report(y_test, y_pred))"),  # no output: never printed
        code("sagemaker.Session().delete_endpoint(predictor.endpoint)", n=None),
        number=False,
    ))
    assert nb.steps.count == 0
    assert nb.steps.evidence()["delete_endpoint"] == (
        "not found (the code is in cell 4 (not run) but that cell was never run)")


def test_delete_cell_ending_in_client_error_still_counts_with_a_note():
    nb = credit(notebook(code("predictor.delete_endpoint()", error("ClientError", "Could not find endpoint"))))
    assert nb.steps.found["delete_endpoint"] is not None
    assert "ClientError" in nb.steps.evidence()["delete_endpoint"]


def test_report_shown_as_a_string_result_is_read():
    text = ("              precision    recall  f1-score   support\n\n           0       0.81      0.90      0.85       143\n"
            "           1       0.63      0.46      0.53        57\n\n    accuracy                           0.77       200\n")
    nb = credit(notebook(code("classification_report(y_test, y_pred)", result(repr(text)))))
    [(rep, _)] = nb.reports
    assert rep.accuracy.value == 0.77 and len(rep.classes) == 2


def test_training_set_evaluation_is_not_the_test_accuracy():
    nb = credit(notebook(
        code("print(confusion_matrix(y_train, train_pred))", stdout("[[500  25]\n [ 60 165]]\n")),
        code("print(confusion_matrix(y_test, y_pred))", stdout("[[128  15]\n [ 31  26]]\n")),
    ))
    assert [round(f.number.value, 3) for f in nb.figures] == [0.77]


def test_ravelled_matrix_counts_are_read():
    nb = credit(notebook(
        code("tn, fp, fn, tp = confusion_matrix(y_test, y_pred).ravel()\n(tn, fp, fn, tp)", result("(128, 15, 31, 26)")),
        code("print(f'True Negatives: {tn}')\nprint(f'False Positives: {fp}')\nprint(f'False Negatives: {fn}')\n"
             "print(f'True Positives: {tp}')",
             stdout("True Negatives: 128\nFalse Positives: 15\nFalse Negatives: 31\nTrue Positives: 26\n")),
    ))
    assert [(cm.counts, p.cell) for cm, p in nb.matrices] == [(((128, 15), (31, 26)), 1),
                                                                     (((128, 15), (31, 26)), 2)]
