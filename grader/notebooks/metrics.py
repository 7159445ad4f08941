"""Metrics a notebook reports, each with the cell it was read from: the credit notebook's accuracy
figures, confusion matrices and classification reports; the rainfall notebook's RMSE and R²;
the `predictor_type` each trains with.

Which output is which metric is decided here, with the cell's code as context: a bare number
shown by a cell whose last line is `accuracy` is an accuracy; an integer matrix counts as a
confusion matrix only in a cell that computes or prints one (`confusion_matrix`, `crosstab` of
predictions, a variable assigned from them, a "Confusion matrix" caption, or axes named
Actual/Predicted). Metrics are read from stdout and results, not stderr (warnings, SDK logs).
The text formats themselves are read by `grader.notebooks.parsers`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from grader.notebooks.model import AST_LOCK, DISPLAY, RESULT, STDOUT, CodeCell, Notebook, Output, Place
from grader.notebooks.parsers.base import Found
from grader.notebooks.parsers.classification_report import (
    ClassificationReport,
    find_reports,
    report_from_grid,
)
from grader.notebooks.parsers.confusion import (
    Confusion,
    confusion_from_grid,
    find_matrices,
    find_tfpn,
    relabel,
)
from grader.notebooks.parsers.figures import bare_number, bare_tuple, find_accuracy
from grader.notebooks.parsers.regression import find_r2, find_rmse
from grader.notebooks.parsers.tables import find_html_grids, find_text_grids
from grader.notebooks.text import Number, clean_text, find_all, lowered, quote


@dataclass(frozen=True)
class Figure:
    """One accuracy figure printed in the notebook, where it was found and how it was printed."""

    kind: str  # "accuracy" | "classification report" | "confusion matrix"
    number: Number
    printed: str
    place: Place

    def evidence(self) -> dict[str, Any]:
        return {"figure": self.kind, "value": round(self.number.value, 6), "printed": self.printed,
                "where": str(self.place)}


@dataclass(frozen=True)
class ClassificationMetrics:
    """What the credit notebook reports about its classifier, in document order."""

    figures: tuple[Figure, ...] = ()
    matrices: tuple[tuple[Confusion, Place], ...] = ()
    reports: tuple[tuple[ClassificationReport, Place], ...] = ()


@dataclass(frozen=True)
class RegressionMetrics:
    """What the rainfall notebook reports about its regressor, in document order."""

    rmse: tuple[tuple[Found, Place], ...] = ()
    r2: tuple[tuple[Found, Place], ...] = ()


_PREDICTOR = re.compile(r"predictor_type['\"]?\s*[=:]\s*(['\"])(\w+)\1")
_CM_SOURCE = re.compile(r"confusion", re.IGNORECASE)
_CROSSTAB = re.compile(r"crosstab\s*\(")
_PREDISH = re.compile(r"pred|y_test|ytest|actual|result|label|y_true", re.IGNORECASE)
_CM_ASSIGN = re.compile(r"^[ \t]{0,200}(\w{1,200})[ \t]{0,50}=[ \t]{0,50}[\w.]{0,200}(?:confusion_matrix|crosstab)\s{0,50}\(",
                        re.MULTILINE)
_ASSIGN = re.compile(r"^[ \t]{0,200}(\w{1,200})[ \t]{0,50}=(?!=)(.*)$", re.MULTILINE)
_FIRST_ARG = re.compile(r"(?:confusion_matrix|crosstab)\s*\(\s*([^,()]*(?:\([^()]*\))?[^,()]*)")
_RMSE_HINT = re.compile(r"rmse|root_mean|root mean", re.IGNORECASE)
_R2_HINT = re.compile(r"(?<![a-z0-9])r_?2(?![0-9])|r_?squared|rsquared|r2_score", re.IGNORECASE)
_ACC_HINT = re.compile(r"acc", re.IGNORECASE)
_ACC_HINT_SKIP = re.compile(r"balanced|train|baseline|dummy|cross|cv_", re.IGNORECASE)


def _impossible(cell: CodeCell) -> bool:
    """Outputs Jupyter cannot have produced: under a cell with no code that never ran. They are no
    results. (Outputs under placeholder code that did run are still read, and flagged by the
    `*-executed` items: execution.no_code.)"""
    return cell.outputs_without_code and cell.execution_count is None


def predictor_types(nb: Notebook) -> tuple[tuple[str, Place], ...]:
    """Every `predictor_type` the code sets, with its cell (comments ignored)."""
    return tuple((m.group(2), nb.place(c, "code")) for c in nb.code_cells for m in _PREDICTOR.finditer(c.code))


_IDENT = re.compile(r"[A-Za-z_]\w{0,200}")


def _names_in(text: str) -> set[str]:
    """The identifiers in `text` (one linear scan; compared as sets, never one pattern per name)."""
    return set(_IDENT.findall(text))


def _cm_variables(nb: Notebook) -> set[str]:
    """Names assigned from confusion_matrix/crosstab, and names assigned from those (one level)."""
    names: set[str] = set()
    for c in nb.code_cells:
        code = c.code
        if "confusion_matrix" in code or "crosstab" in code:
            names.update(m.group(1) for m in _CM_ASSIGN.finditer(code))
        if names:
            for m in _ASSIGN.finditer(code):
                if not names.isdisjoint(_names_in(m.group(2))):
                    names.add(m.group(1))
    return names


def _is_cm_cell(cell: CodeCell, cm_vars: set[str]) -> bool:
    code = cell.code
    if _CM_SOURCE.search(code):
        return True
    if _CROSSTAB.search(code) and _PREDISH.search(code):
        return True
    return bool(cm_vars) and not cm_vars.isdisjoint(_names_in(code))


def _flipped_hint(code: str) -> bool:
    """`confusion_matrix(y_pred, y_test)` / `crosstab(predictions, actual)`: rows are predictions."""
    m = _FIRST_ARG.search(code)
    if not m or "y_true" in code:
        return False
    return "pred" in m.group(1).lower()


def _last_expression(cell: CodeCell) -> str:
    lines = cell.code.split("\n")
    return lines[-1].strip() if lines else ""


def _hint_for(cell: CodeCell, out: Output) -> str:
    """The code that produced a bare number: the last expression, or the cell's single print."""
    if out.kind in (RESULT, DISPLAY):
        last = _last_expression(cell)
        return "" if re.match(r"^\w+\s*=(?!=)", last) else last
    if out.kind == STDOUT and cell.code.count("print(") == 1:
        start = cell.code.index("print(")
        return cell.code[start:start + 200]
    return ""


def _metric_of(hint: str) -> str:
    if _RMSE_HINT.search(hint):
        return "rmse"
    if _R2_HINT.search(hint):
        return "r2"
    if _ACC_HINT.search(hint) and not _ACC_HINT_SKIP.search(hint):
        return "accuracy"
    return ""


def _bare_metrics(cell: CodeCell, out: Output) -> list[tuple[str, Number, str]]:
    """(metric, number, printed) for outputs that are only a number, named by the code."""
    text = out.text.strip()
    if not text or len(text) > 200:
        return []
    hint = _hint_for(cell, out)
    if not hint:
        return []
    one = bare_number(text)
    if one is not None:
        metric = _metric_of(hint)
        return [(metric, one, text)] if metric else []
    many = bare_tuple(text)
    if many:
        inner = hint[hint.find("(") + 1:] if hint.startswith("print(") else hint
        names = [p for p in re.split(r",", inner.strip("()[] ")) if p.strip()]
        if len(names) == len(many):
            return [(m, n, text) for p, n in zip(names, many, strict=True) if (m := _metric_of(p))]
    return []


_LOG_END = ("Billable seconds:", "Training job completed")
_GRID_MAX = 50_000  # characters: a confusion matrix or report table is far smaller


def _texts(out: Output) -> str:
    """The text metrics are read from: stdout and results, not stderr; of a training log
    (`estimator.fit` output) only what was printed after the job completed."""
    if out.kind not in (STDOUT, RESULT, DISPLAY):
        return ""
    if out.kind == RESULT:
        return _unquoted(out.text)
    raw = out.raw
    head = raw[:4000]
    if out.kind == STDOUT and len(raw) > 5000 and ("training job" in head or "training-job" in head):
        for marker in _LOG_END:
            i = raw.rfind(marker)
            if i != -1:
                end = raw.find("\n", i)
                return "" if end == -1 else clean_text(raw[end + 1:])
    return out.text


def _unquoted(text: str) -> str:
    """A string shown as a result (`classification_report(...)` without print) is its repr:
    one line with `\\n` escapes. Give back the text it stands for."""
    t = text.strip()
    if len(t) < 2 or len(t) > 200_000 or t[0] not in "'\"" or t[-1] != t[0] or "\\n" not in t:
        return text
    try:
        with AST_LOCK:  # CPython 3.11: not on two threads at once
            value = ast.literal_eval(t)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text
    return value if isinstance(value, str) else text


def _training_only(code: str) -> bool:
    """A cell that evaluates on the training set (its figures are not the test accuracy): a call of
    a metric whose arguments (up to the first `)`, within _ARGS_WINDOW characters) name `train`."""
    low = code.lower()
    if "train" not in low or "test" in low:
        return False
    for name in _TRAIN_EVAL:
        for i in find_all(low, name, 200):
            start = low.find("(", i + len(name), i + len(name) + 50)
            if start == -1 or low[i + len(name):start].strip():
                continue
            end = low.find(")", start, start + _ARGS_WINDOW)
            if "train" in low[start:end if end != -1 else start + _ARGS_WINDOW]:
                return True
    return False


_TRAIN_EVAL = ("confusion_matrix", "crosstab", "classification_report", "accuracy_score", "score")
_ARGS_WINDOW = 2000


def classification_metrics(nb: Notebook) -> ClassificationMetrics:
    """The accuracy figures, confusion matrices and classification reports a notebook prints."""
    figures: list[Figure] = []
    found_matrices: list[tuple[Confusion, Place]] = []
    reports_found: list[tuple[ClassificationReport, Place]] = []
    cm_vars = _cm_variables(nb)
    for cell in nb.cells:
        if not cell.outputs or _impossible(cell) or _training_only(cell.code):
            continue
        cm_cell = _is_cm_cell(cell, cm_vars)
        flipped = _flipped_hint(cell.code) if cm_cell else False
        for out in cell.outputs:
            text = _texts(out)
            if not text and not out.html:
                continue
            place = nb.place(cell)
            low = lowered(text)
            for found in find_accuracy(text) if "acc" in low else ():
                figures.append(Figure("accuracy", found.number, found.line, place))
            for metric, num, printed in _bare_metrics(cell, out):
                if metric == "accuracy" and num.finite and 0 <= num.value <= 1:
                    figures.append(Figure("accuracy", num, quote(printed), place))
            reports = find_reports(text)
            if not reports and out.html and "recall" in out.html:
                reports = [r for g in find_html_grids(out.html) if (r := report_from_grid(g)) is not None]
            for report in reports:
                reports_found.append((report, place))
                if report.accuracy is not None:
                    kind = f"classification report ({report.accuracy_row} row)"
                    figures.append(Figure(kind, report.accuracy, report.line, place))
            matrices: list[Confusion] = []
            captioned = "confusion" in low
            if len(text) <= _GRID_MAX and (cm_cell or captioned or "pred" in low):
                for grid in find_text_grids(text):
                    cm = confusion_from_grid(grid, flipped_hint=flipped)
                    if cm is not None and (cm_cell or captioned or cm.oriented):
                        matrices.append(cm)
            if cm_cell or captioned:
                matrices.extend(find_matrices(text, flipped_hint=flipped))
            if not matrices and len(text) <= _GRID_MAX and (cm_cell or "positive" in low):
                matrices.extend(find_tfpn(text))
                if not matrices and ".ravel()" in cell.code and (four := bare_tuple(text)) and len(four) == 4:
                    matrices.extend(find_tfpn("tn={} fp={} fn={} tp={}".format(*(n.show() for n in four))))
            if not matrices and out.html and (cm_cell or not text):
                for grid in find_html_grids(out.html):
                    cm = confusion_from_grid(grid, flipped_hint=flipped)
                    if cm is not None and (cm_cell or cm.oriented):
                        matrices.append(cm)
            for cm in matrices:
                found_matrices.append((cm, place))
                figures.append(Figure("confusion matrix", cm.accuracy, _table_quote(cm.text), place))
    return ClassificationMetrics(tuple(figures),
                                 tuple((_with_report_labels(cm, reports_found), place) for cm, place in found_matrices),
                                 tuple(reports_found))


def _with_report_labels(cm: Confusion, reports: list[tuple[ClassificationReport, Place]]) -> Confusion:
    """Name a NumPy matrix's classes after the classification report printed before it.

    scikit-learn orders both by sorted label, so row i is the report's i-th class when the
    report's supports equal the matrix's row sums.
    """
    if not cm.positional:
        return cm
    rows = [sum(r) for r in cm.counts]
    for report, _ in reversed(reports):
        if len(report.classes) == len(rows) and all(
            abs(c.support - n) < 0.5 for c, n in zip(report.classes, rows, strict=True)
        ):
            return relabel(cm, [c.label for c in report.classes])
    return cm


def _table_quote(text: str) -> str:
    """A printed table as one line of evidence: its rows joined by " / "."""
    return quote(" / ".join(" ".join(line.split()) for line in text.split("\n") if line.strip()), 240)


def regression_metrics(nb: Notebook) -> RegressionMetrics:
    """The RMSE and R² values a notebook prints."""
    rmse: list[tuple[Found, Place]] = []
    r2: list[tuple[Found, Place]] = []
    for cell in nb.cells:
        if _impossible(cell):
            continue
        for out in cell.outputs:
            text = _texts(out)
            if not text:
                continue
            place = nb.place(cell)
            rmse.extend((f, place) for f in find_rmse(text))
            r2.extend((f, place) for f in find_r2(text))
            for metric, num, printed in _bare_metrics(cell, out):
                if metric == "rmse":
                    rmse.append((Found(num, quote(printed)), place))
                elif metric == "r2":
                    r2.append((Found(num, quote(printed)), place))
    return RegressionMetrics(tuple(rmse), tuple(r2))
