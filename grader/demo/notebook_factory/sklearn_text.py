"""scikit-learn's printed text, made without importing scikit-learn (its import alone takes
about 5 s, most of a one-student demo's build time): `classification_report` and the
`confusion_matrix` array as `print` shows them, for two-class labels. Byte-identical to
scikit-learn 1.x for the inputs the factory makes (tests/demo/test_sklearn_text.py compares)."""

from __future__ import annotations

from typing import Any

HEADERS = ("precision", "recall", "f1-score", "support")


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0  # zero_division=0


def classification_report(y_true: list[Any], y_pred: list[Any], digits: int = 2) -> str:
    """`sklearn.metrics.classification_report(y_true, y_pred, zero_division=0)`."""
    labels = sorted(set(y_true) | set(y_pred))
    rows = []
    for lab in labels:
        tp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t == lab and p == lab)
        predicted = sum(1 for p in y_pred if p == lab)
        support = sum(1 for t in y_true if t == lab)
        precision, recall = _ratio(tp, predicted), _ratio(tp, support)
        rows.append((str(lab), precision, recall, _ratio(2 * precision * recall, precision + recall), support))
    total = len(y_true)
    width = max(max(len(r[0]) for r in rows), len("weighted avg"), digits)
    text = ("{:>{width}s} " + " {:>9}" * len(HEADERS)).format("", *HEADERS, width=width) + "\n\n"
    row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
    for name, p, r, f, s in rows:
        text += row_fmt.format(name, p, r, f, s, width=width, digits=digits)
    text += "\n"
    accuracy = _ratio(sum(1 for t, p in zip(y_true, y_pred, strict=True) if t == p), total)
    text += ("{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f}" + " {:>9}\n").format(
        "accuracy", "", "", accuracy, total, width=width, digits=digits)
    n = len(rows)
    macro = [sum(r[k] for r in rows) / n for k in (1, 2, 3)]
    weighted = [_ratio(sum(r[k] * r[4] for r in rows), total) for k in (1, 2, 3)]
    text += row_fmt.format("macro avg", *macro, total, width=width, digits=digits)
    text += row_fmt.format("weighted avg", *weighted, total, width=width, digits=digits)
    return text


def confusion_matrix_text(y_true: list[Any], y_pred: list[Any], labels: list[Any] | None = None) -> str:
    """`print(sklearn.metrics.confusion_matrix(y_true, y_pred, labels=labels))`."""
    import numpy as np

    labels = list(labels) if labels is not None else sorted(set(y_true) | set(y_pred))
    index = {lab: i for i, lab in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(y_true, y_pred, strict=True):
        if t in index and p in index:
            matrix[index[t], index[p]] += 1
    return str(matrix)
