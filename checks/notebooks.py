"""Notebook items (lesson steps 6, 8-9 and 10): executed, metrics, accuracy, workflow, evidence link.

Every check reads the facts of `grader.notebooks` (a `Submission`, computed once when the
notebooks were read; see `_submission`); none touches notebook JSON. A missing or unreadable
notebook fails its items with the reader's one-line reason; the other notebook is still graded.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from checks._common import (
    NOT_EXECUTED,
    Params,
    because,
    failed,
    flagged,
    known_solution,
    partial,
    passed,
    unless_run,
    unreadable,
    warned,
)
from grader.context import Context
from grader.facts.params import KnownSolution
from grader.models import CheckResult, ReviewKind
from grader.notebooks import Notebook, Submission
from grader.notebooks.execution import Execution
from grader.notebooks.metrics import Figure
from grader.notebooks.parsers.classification_report import ClassificationReport
from grader.notebooks.parsers.confusion import Confusion
from grader.notebooks.steps import STEP_NAMES
from grader.registry import check

STEP6 = "Lesson step 6 (Intro to Amazon SageMaker Built-in Algorithms, rainfall_forecast.ipynb)"
STEP8 = "Lesson steps 8-9 (Credit Risk Evaluation with Amazon SageMaker, credit-risk-classification.ipynb)"
STEP10 = "Lesson step 10 (Deleting AWS Resources)"


def _submission(ctx: Context) -> Submission:
    """The notebooks' facts: the one place the checks read them from the context."""
    return ctx.submission


class ExecutedParams(Params):
    max_unexecuted_share: float = Field(
        0.5, ge=0, le=1, description="above this share of code cells without an execution count: not executed"
    )


class MetricsParams(Params):
    """RMSE must be finite and >= 0, R² finite and <= 1 (mathematical bounds). `known_solutions`
    (rubric-level): the course's published runs, flagged `known-solution` when found."""

    known_solutions: list[KnownSolution] = []


class AccuracyParams(Params):
    min_accuracy: float = Field(0.65, ge=0, le=1, description="the lowest test accuracy that passes")
    min_minority_share: float = Field(
        0.05, ge=0, le=1, description="the least share of test rows predicted as (and actually in) each class"
    )
    leak_warning_above: float = Field(
        0.90, ge=0, le=1, description="a test accuracy above this warns of a target leak"
    )
    rounding_slack: float = Field(
        1e-9, ge=0, le=0.01, description="added to the printed rounding when figures are compared with each other "
        "and with min_accuracy (absorbs binary-float error)"
    )
    known_solutions: list[KnownSolution] = []  # rubric-level: the course's published runs
    min_decimals: int = Field(
        2, ge=0, le=12, description="a figure printed with fewer decimals (e.g. `Accuracy: 1`) is too coarse to be "
        "judged or to confirm that the figures agree; figures from confusion-matrix counts are exact"
    )


class WorkflowParams(Params):
    """No parameters: the seven steps of the lesson's credit-risk notebook."""


# -- executed ----------------------------------------------------------------------------------
def _executed(nb: Notebook, ex: Execution, params: ExecutedParams) -> CheckResult:
    if not nb.ok:
        return unreadable(nb)
    evidence: dict[str, Any] = {**nb.describe(), "executed_cells": ex.executed}
    if ex.code_cells == 0:
        return failed(f"{nb.name} has no code cells.", **evidence)
    not_run = [c.label for c in ex.unexecuted]
    if not_run:
        evidence["not_run"] = not_run[:15]
    if ex.executed == 0 or len(not_run) / ex.code_cells > params.max_unexecuted_share:
        return because(failed(f"{nb.name} was not executed: {len(not_run)} of {ex.code_cells} code cells have no "
                              "execution count. Run all cells and save the notebook with its outputs.", **evidence),
                       NOT_EXECUTED)
    issues = []
    if not_run:
        issues.append(f"{len(not_run)} of {ex.code_cells} code cells were not run ({not_run[0]} first)")
    if ex.out_of_order:
        first, second = ex.out_of_order[0]
        issues.append(f"cells ran out of order ({first.label} comes before {second.label})")
        evidence["out_of_order"] = [f"{a.label} before {b.label}" for a, b in ex.out_of_order[:10]]
    if ex.errors:
        cell, out = ex.errors[0]
        more = f" and {len(ex.errors) - 1} more" if len(ex.errors) > 1 else ""
        issues.append(f"{cell.label} ended in an error ({out.ename}){more}")
        evidence["errors"] = [{"cell": c.label, "error": o.ename, "message": o.evalue[:200]} for c, o in ex.errors[:10]]
    if ex.no_code:
        first = ex.no_code[0]
        more = f" and {len(ex.no_code) - 1} more" if len(ex.no_code) > 1 else ""
        issues.append(f"{first.label}{more} shows outputs but holds no code (only comments or a placeholder), so "
                      "they cannot have come from it")
        evidence["outputs_without_code"] = [c.label for c in ex.no_code[:10]]
    if issues:
        res = partial(f"{nb.name} was executed, but " + "; ".join(issues) + ".", fraction=0.5, **evidence)
        cells = ", ".join(c.label for c in ex.no_code[:3])
        return because(flagged(res, ReviewKind.OUTPUTS_WITHOUT_CODE, f"{nb.name} shows outputs under cells that hold "
                               f"no code ({cells}): where did they come from?"), "no-code") if ex.no_code else res
    return passed(f"{nb.name} was executed top to bottom: {ex.code_cells} code cells, no errors.", **evidence)


@check(
    "nb-rainfall-executed",
    title="The rainfall notebook was executed in order without errors",
    category="Notebooks",
    params=ExecutedParams,
    needs=("notebooks",),
    remediation=f"{STEP6}: open rainfall_forecast.ipynb, choose Kernel > Restart Kernel and Run All Cells, fix any "
    "cell that raises an error, and save the notebook with its outputs before submitting it.",
)
def nb_rainfall_executed(ctx: Context, params: ExecutedParams) -> CheckResult:
    """rainfall_forecast.ipynb is valid nbformat 4, every code cell ran, in order, with no error output."""
    facts = _submission(ctx).rainfall
    return _executed(facts.notebook, facts.execution, params)


@check(
    "nb-credit-executed",
    title="The credit-risk notebook was executed in order without errors",
    category="Notebooks",
    params=ExecutedParams,
    needs=("notebooks",),
    remediation=f"{STEP8}: open credit-risk-classification.ipynb, choose Kernel > Restart Kernel and Run All Cells, "
    "fix any cell that raises an error, and save the notebook with its outputs before submitting it.",
)
def nb_credit_executed(ctx: Context, params: ExecutedParams) -> CheckResult:
    """credit-risk-classification.ipynb is valid nbformat 4, every code cell ran, in order, with no error output."""
    facts = _submission(ctx).credit
    return _executed(facts.notebook, facts.execution, params)


# -- rainfall metrics ------------------------------------------------------------------------
def _metric_evidence(found: tuple, valid: list) -> dict[str, Any] | None:
    chosen = valid[-1] if valid else (found[-1] if found else None)
    if chosen is None:
        return None
    f, place = chosen
    return {"value": f.value, "printed": f.line, "where": str(place)}


@check(
    "nb-rainfall-metrics",
    title="The rainfall notebook reports RMSE and R² of a linear-learner regressor",
    category="Notebooks",
    params=MetricsParams,
    needs=("notebooks",),
    remediation=f"{STEP6}: train linear-learner with predictor_type=\"regressor\", predict the test set and print "
    "both scores, e.g. print(f\"RMSE: {rmse}\") and print(f\"R2 score: {r2}\").",
)
def nb_rainfall_metrics(ctx: Context, params: MetricsParams) -> CheckResult:
    """Its outputs report an RMSE (finite, >= 0) and an R² (finite, <= 1); its code uses predictor_type regressor.
    Flagged known-solution when it holds a published course run's fingerprints."""
    facts = _submission(ctx).rainfall
    res = _rainfall_metrics(facts)
    return known_solution(res, facts.notebook.name, "rainfall", facts.fingerprints, params.known_solutions)


def _rainfall_metrics(facts: Any) -> CheckResult:
    nb = facts.notebook
    if not nb.ok:
        return unreadable(nb)
    rmse = [(f, p) for f, p in facts.rmse if f.number.finite and f.value >= 0]
    r2 = [(f, p) for f, p in facts.r2 if f.number.finite and f.value <= 1]
    types = sorted({t for t, _ in facts.predictor_types})
    regressor = next((p for t, p in facts.predictor_types if t == "regressor"), None)
    evidence: dict[str, Any] = {"notebook": nb.name, "rmse": _metric_evidence(facts.rmse, rmse),
                                "r2": _metric_evidence(facts.r2, r2),
                                "predictor_type": f"regressor ({regressor})" if regressor else (", ".join(types) or None)}
    invalid = [f"RMSE {f.line!r}" for f, _ in facts.rmse if (f, _) not in rmse]
    invalid += [f"R² {f.line!r}" for f, _ in facts.r2 if (f, _) not in r2]
    if invalid:
        evidence["invalid"] = invalid[:5]
    missing = []
    if not rmse:
        missing.append("an RMSE" + (" (the value printed is not a finite number >= 0)" if facts.rmse else ""))
    if not r2:
        missing.append("an R²" + (" (the value printed is not a finite number <= 1)" if facts.r2 else ""))
    if regressor is None:
        missing.append("training with predictor_type=\"regressor\"" + (f" (found {', '.join(types)})" if types else ""))
    if not rmse and not r2:
        return unless_run(facts.execution, failed(f"{nb.name} reports neither an RMSE nor an R² in its outputs.",
                                                   **evidence))
    if missing:
        got = 3 - len(missing)
        return partial(f"{nb.name} is missing " + " and ".join(missing) + ".", fraction=got / 3, **evidence)
    return passed(f"{nb.name} reports RMSE {rmse[-1][0].value:.4g} and R² {r2[-1][0].value:.4g} of a linear-learner "
                  "regressor.", **evidence)


# -- credit accuracy -------------------------------------------------------------------------
def _disagreements(figures: tuple[Figure, ...], slack: float) -> list[Figure]:
    """Figures that agree with no other figure they should match (within rounding).

    With confusion matrices: every printed accuracy must match some matrix, and every matrix
    some printed accuracy (a notebook evaluating two models prints two consistent sets). Without
    one: all printed accuracies must agree with each other.
    """
    matrices = [f for f in figures if f.kind == "confusion matrix"]
    printed = [f for f in figures if f.kind != "confusion matrix"]
    if matrices:
        bad = [f for f in printed if not any(f.number.agrees(m.number, slack) for m in matrices)]
        if printed:
            bad += [m for m in matrices if not any(m.number.agrees(f.number, slack) for f in printed)]
        return bad
    if all(a.number.agrees(b.number, slack) for a in printed for b in printed):
        return []
    return printed


def _cm_evidence(cm: Confusion, place: Any) -> dict[str, Any]:
    return {"where": str(place), "rows": "actual" if cm.oriented else "actual (assumed, scikit-learn layout)",
            "actual_classes": [cm.display.get(k, k) for k in cm.actual],
            "predicted_classes": [cm.display.get(k, k) for k in cm.predicted],
            "counts": cm.as_lists(), "accuracy": round(cm.accuracy.value, 4)}


def _minority_from_matrix(cm: Confusion, min_share: float) -> tuple[str | None, dict[str, Any]]:
    """(failure message or None, evidence) for the minority-class rule on a confusion matrix."""
    total = cm.total
    actual, predicted = cm.actual_counts(), cm.predicted_counts()
    bad = next((k for k in cm.classes if k == "bad" or k.startswith("bad")), None)
    minority = bad or min(actual, key=lambda k: (actual[k], k))
    name = cm.display.get(minority, minority)
    share = predicted[minority] / total
    evidence = {"minority_class": name, "test_rows": total, "predicted_as_minority": predicted[minority],
                "share": round(share, 4)}
    if share < min_share:
        return (f"the model predicts the minority class '{name}' for only {predicted[minority]} of {total} test rows "
                f"({share:.1%}); a model that (almost) always answers 'good' is not better than guessing", evidence)
    worst = min(((predicted[k], "predicted", k) for k in cm.classes), default=None)
    worst_actual = min(((actual[k], "actual", k) for k in cm.classes), default=None)
    for item in (worst, worst_actual):
        if item is not None and item[0] / total < min_share:
            count, axis, key = item
            evidence["thin_class"] = {"class": cm.display.get(key, key), "axis": axis, "rows": count}
            return (f"class '{cm.display.get(key, key)}' appears in only {count} of {total} rows on one side of the "
                    "confusion matrix: the model (almost) always predicts one class", evidence)
    return None, evidence


def _minority_from_report(report: ClassificationReport, min_share: float) -> tuple[str | None, dict[str, Any]]:
    total = report.total_support
    counts = report.predicted_counts()
    bad = next((r for r in report.classes if r.label.lower().startswith("bad")), None)
    row = bad or min(report.classes, key=lambda r: r.support)
    predicted = counts.get(row.label)
    evidence: dict[str, Any] = {"minority_class": row.label, "support": row.support, "recall": row.recall,
                                "precision": row.precision, "read_from": "classification report"}
    if predicted is None or total <= 0:
        return None, evidence
    share = predicted / total
    evidence["share"] = round(share, 4)
    if share < min_share:
        return (f"the classification report shows the model predicts the minority class '{row.label}' for about "
                f"{share:.1%} of test rows (recall {row.recall:.2f}); a model that (almost) always answers 'good' is not "
                "better than guessing", evidence)
    return None, evidence


@check(
    "nb-credit-accuracy",
    title="The credit-risk model is real and better than guessing, and its figures agree",
    category="Notebooks",
    params=AccuracyParams,
    needs=("notebooks",),
    remediation=f"{STEP8}: one-hot encode and scale the features, train linear-learner with predictor_type="
    "\"binary_classifier\", then print accuracy_score, the classification report and the confusion matrix of the "
    "test predictions (outputs as produced, never edited). A model that predicts 'good' for everyone scores about "
    "0.70 here and is not a real model.",
)
def nb_credit_accuracy(ctx: Context, params: AccuracyParams) -> CheckResult:
    """Test accuracy >= min_accuracy, the minority class predicted for >= min_minority_share of test rows,
    every accuracy figure (accuracy_score, report row, confusion matrix) agreeing within rounding plus
    rounding_slack; warn above leak_warning_above. Flagged known-solution when the notebook holds a
    published course run's fingerprints."""
    facts = _submission(ctx).credit
    res = _credit_accuracy(ctx, facts, params)
    return known_solution(res, facts.notebook.name, "credit", facts.fingerprints, params.known_solutions)


def _credit_accuracy(ctx: Context, facts: Any, params: AccuracyParams) -> CheckResult:
    nb = facts.notebook
    if not nb.ok:
        return unreadable(nb)
    figures = facts.figures
    evidence: dict[str, Any] = {"notebook": nb.name, "figures": [f.evidence() for f in figures[:12]]}
    if ctx.reproduction is not None and "credit" in ctx.reproduction.notebooks:
        from grader.reproduce.command import reexecuted_figures

        evidence["reexecuted"] = reexecuted_figures(ctx.reproduction.notebooks["credit"])
    if not figures:
        return unless_run(facts.execution, failed(
            f"{nb.name} reports no test accuracy: no accuracy_score value, classification report or confusion matrix "
            "was found in its outputs.", **evidence))
    wrong = _disagreements(figures, params.rounding_slack)
    if wrong:
        evidence["disagreeing"] = [f.evidence() for f in wrong[:6]]
        shown = "; ".join(f"{f.kind} {f.number.show()} in {f.place}" for f in figures[:6])
        res = failed(f"The accuracy figures in {nb.name} disagree ({shown}): possibly an edited output; a person "
                     "should look at it.", **evidence)
        return because(flagged(res, ReviewKind.EDITED_OUTPUT, f"The accuracy figures printed in {nb.name} disagree "
                               f"with each other ({shown}), as an output edited by hand would."), "edited-output",
                       f"{STEP8}: re-run the notebook from the top (Kernel > Restart Kernel and Run All Cells) and hand "
                       "in exactly what it prints; never edit an output by hand. If you believe the grader is wrong, "
                       "say so to your TA.")
    precise = [f for f in figures if f.number.decimals is None or f.number.decimals >= params.min_decimals]
    coarse = [f for f in figures if f not in precise]
    if coarse:
        evidence["too_coarse"] = [f"{f.kind} {f.printed!r} in {f.place}" for f in coarse[:6]]
    if not precise:
        return failed(f"{nb.name} prints its accuracy too coarsely to be judged ({coarse[-1].printed!r} in "
                      f"{coarse[-1].place}): print it with at least {params.min_decimals} decimals, with the "
                      "classification report and the confusion matrix.", **evidence)
    matrices = facts.matrices
    # the most precise figure is judged (an exact confusion matrix first; of equals, the last printed)
    chosen = min(reversed(precise), key=lambda f: (f.number.tolerance, f.kind != "confusion matrix"))
    accuracy = chosen.number.value
    evidence["accuracy"] = round(accuracy, 4)
    evidence["accuracy_from"] = f"{chosen.kind} in {chosen.place}"
    problem = None
    if matrices:
        cm, place = matrices[-1]
        evidence["confusion_matrix"] = _cm_evidence(cm, place)
        problem, minority = _minority_from_matrix(cm, params.min_minority_share)
        evidence["minority"] = minority
    else:
        report = next((r for r, _ in reversed(facts.reports) if len(r.classes) >= 2), None)
        if report is None:
            return failed(f"{nb.name} reports accuracy {accuracy:.2f} but no confusion matrix or classification report, "
                          "so it cannot be told from a constant model that always answers 'good' (about 0.70 on "
                          "this data).", **evidence)
        problem, minority = _minority_from_report(report, params.min_minority_share)
        evidence["minority"] = minority
    evidence["thresholds"] = {"min_accuracy": params.min_accuracy, "min_minority_share": params.min_minority_share,
                              "leak_warning_above": params.leak_warning_above}
    if accuracy + params.rounding_slack < params.min_accuracy:
        also = f"; moreover, {problem}" if problem else ""
        return failed(f"The test accuracy in {nb.name} is {accuracy:.3f}, below the required {params.min_accuracy:.2f}"
                      f"{also}.", **evidence)
    if problem:
        return failed(f"In {nb.name}, {problem}.", **evidence)
    if accuracy > params.leak_warning_above:
        return warned(f"The test accuracy in {nb.name} is {accuracy:.3f}, above {params.leak_warning_above:.2f}: no "
                      "honest pipeline on this data exceeds about 0.81; check that the target (Risk) did not leak into "
                      "the features.", **evidence)
    return passed(f"{nb.name}: test accuracy {accuracy:.3f}, the minority class is predicted, and all "
                  f"{len(precise)} accuracy figures agree.", **evidence)


# -- credit workflow ---------------------------------------------------------------------------
@check(
    "nb-credit-workflow",
    title="The credit-risk notebook follows the lesson's workflow",
    category="Notebooks",
    params=WorkflowParams,
    needs=("notebooks",),
    remediation=f"{STEP8}: split the data (train_test_split), one-hot encode (pd.get_dummies), scale "
    "(StandardScaler), train with predictor_type=\"binary_classifier\", print a classification report and a "
    f"confusion matrix, and run the cell that deletes the endpoint ({STEP10}).",
)
def nb_credit_workflow(ctx: Context, params: WorkflowParams) -> CheckResult:
    """Split, one-hot encode, scale, binary_classifier, classification report, confusion matrix, endpoint
    deleted in an executed cell; partial credit in proportion to the steps found."""
    facts = _submission(ctx).credit
    nb = facts.notebook
    if not nb.ok:
        return unreadable(nb)
    steps = facts.steps
    evidence = {"notebook": nb.name, "steps": steps.evidence()}
    total = len(STEP_NAMES)
    missing = [STEP_NAMES[s] for s, p in steps.found.items() if p is None]
    if not missing:
        return passed(f"{nb.name} shows all {total} steps of the lesson's workflow.", **evidence)
    if steps.count == 0:
        return unless_run(facts.execution, failed(f"{nb.name} shows none of the lesson's workflow steps.", **evidence))
    return partial(f"{nb.name} shows {steps.count} of {total} workflow steps; missing: it " + "; it ".join(missing) + ".",
                   fraction=steps.count / total, **evidence)
