"""The demo's own classification report and confusion matrix text equal scikit-learn's."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest
from sklearn.metrics import classification_report as sk_report
from sklearn.metrics import confusion_matrix

from grader.demo.notebook_factory import CreditOptions, credit_arrays
from grader.demo.notebook_factory.sklearn_text import classification_report, confusion_matrix_text

LABELS = ("Good/Bad", "good/bad", "0/1", "0.0/1.0")


@pytest.mark.parametrize(("labels", "constant"), list(itertools.product(LABELS, (False, True))))
def test_same_text_as_scikit_learn(labels, constant):
    y_test, y_pred = credit_arrays(CreditOptions(labels=labels, constant=constant))
    assert classification_report(y_test, y_pred) == sk_report(y_test, y_pred, zero_division=0)
    order = sorted(set(y_test), key=str) if isinstance(y_test[0], str) else None
    assert confusion_matrix_text(y_test, y_pred, order) == str(confusion_matrix(np.array(y_test), np.array(y_pred),
                                                                                 labels=order))


@pytest.mark.parametrize("confusion", [((1, 0), (0, 1)), ((10, 3), (7, 0)), ((137, 3), (40, 20))])
def test_other_counts(confusion):
    y_test, y_pred = credit_arrays(CreditOptions(confusion=confusion))
    assert classification_report(y_test, y_pred) == sk_report(y_test, y_pred, zero_division=0)


def test_a_demo_notebook_is_made_without_importing_scikit_learn():
    """scikit-learn's import alone takes seconds: the demo must not pay it."""
    code = ("import sys; from grader.demo.notebook_factory import demo_notebook; "
            "demo_notebook('credit', None, bucket='b', rainfall_job='r', credit_job='c'); "
            "demo_notebook('rainfall', None, bucket='b', rainfall_job='r', credit_job='c'); "
            "print('sklearn' in sys.modules, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
