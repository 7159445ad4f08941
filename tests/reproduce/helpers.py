"""Helpers for the reproduction tests: outputs edited as a careful student would, and grading
the nb-* items of an executed folder with the real checks."""

from __future__ import annotations

import copy
import re

from sklearn.metrics import classification_report

from checks import load_checks
from grader.context import Context
from grader.engine import run_check
from grader.models import StudentInfo
from grader.notebooks import read_submission
from grader.rubric import load_rubric

NB_ITEMS = ("nb-rainfall-executed", "nb-credit-executed", "nb-rainfall-metrics", "nb-credit-accuracy",
            "nb-credit-workflow")


def nb_statuses(folder, items=NB_ITEMS) -> dict[str, str]:
    ctx = Context(student=StudentInfo(id="t"), submission=read_submission(folder))
    rubric, checks = load_rubric(), load_checks()
    return {i: run_check(checks[i], ctx, rubric.params_for(i)).status.value for i in items}


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


def confusion_of(nb) -> tuple[int, int, int, int]:
    for cell in nb.cells:
        if cell.cell_type == "code" and "confusion_matrix(" in cell.source and _stdout(cell):
            nums = [int(n) for n in re.findall(r"\d+", _stdout(cell))]
            return tuple(nums[:4])  # type: ignore[return-value]
    raise AssertionError("no confusion matrix printed")


def edit_credit_to(nb, correct_errors: tuple[int, int]):
    """Edit accuracy, classification report and confusion matrix together: keep the actual class
    totals, set (false positives, false negatives) to `correct_errors`. Returns (nb, accuracy)."""
    nb = copy.deepcopy(nb)
    a, b, c, d = confusion_of(nb)
    n0, n1 = a + b, c + d
    fp, fn = correct_errors
    cm = [[n0 - fp, fp], [fn, n1 - fn]]
    total = n0 + n1
    acc = (cm[0][0] + cm[1][1]) / total
    y_true = [0] * n0 + [1] * n1
    y_pred = [0] * (n0 - fp) + [1] * fp + [0] * fn + [1] * (n1 - fn)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for o in cell.outputs:
            if o.get("output_type") != "stream":
                continue
            if "accuracy_score(" in cell.source:
                o["text"] = f"accuracy_score: {acc}\n"
            elif "classification_report(" in cell.source:
                o["text"] = classification_report(y_true, y_pred) + "\n"
            elif "confusion_matrix(" in cell.source:
                o["text"] = f"[[{cm[0][0]:3d} {cm[0][1]:3d}]\n [{cm[1][0]:3d} {cm[1][1]:3d}]]\n"
    return nb, acc


def outputs_under_placeholders(template, executed):
    """The starter notebook (gaps unfilled) carrying the executed solution's outputs and counts."""
    nb = copy.deepcopy(template)
    for mine, theirs in zip(nb.cells, executed.cells, strict=True):
        if mine.cell_type == "code":
            mine.outputs = theirs.outputs
            mine.execution_count = theirs.execution_count
    return nb
