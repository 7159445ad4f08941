"""Confusion matrices: NumPy arrays, nested lists, DataFrame / `pd.crosstab` grids, and the four
counts printed from `tn, fp, fn, tp = confusion_matrix(...).ravel()`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.notebooks.parsers.base import total
from grader.notebooks.parsers.tables import Grid, grid_text
from grader.notebooks.text import Number, find_all, lowered, parse_number, quote


@dataclass(frozen=True, slots=True)
class Confusion:
    """A confusion matrix: counts[i][j] = test rows of class actual[i] predicted as predicted[j].

    `classes` are the normalised class keys shared by both axes ("0", "1", "bad", ...);
    `actual`/`predicted` give, per axis position, the class key. `oriented` says whether the
    axes were named (Actual/Predicted) or the scikit-learn convention (rows = actual) is assumed.
    """

    actual: tuple[str, ...]
    predicted: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    display: dict[str, str]  # class key -> label as printed
    oriented: bool
    text: str
    positional: bool = False  # printed without class labels (a NumPy array): classes are positions

    @property
    def total(self) -> int:
        return sum(sum(r) for r in self.counts)

    @property
    def correct(self) -> int:
        return sum(
            self.counts[i][j]
            for i, a in enumerate(self.actual)
            for j, p in enumerate(self.predicted)
            if a == p
        )

    @property
    def accuracy(self) -> Number:
        return Number(self.correct / self.total, None)

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.actual + self.predicted))

    def actual_counts(self) -> dict[str, int]:
        out = dict.fromkeys(self.classes, 0)
        for i, a in enumerate(self.actual):
            out[a] += sum(self.counts[i])
        return out

    def predicted_counts(self) -> dict[str, int]:
        out = dict.fromkeys(self.classes, 0)
        for j, p in enumerate(self.predicted):
            out[p] += sum(r[j] for r in self.counts)
        return out

    def as_lists(self) -> list[list[int]]:
        return [list(r) for r in self.counts]


_LABEL_WORDS = re.compile(
    r"\b(?:actual|actuals|true|truth|real|observed|predicted|predictions?|pred|labels?|class|risk|credit|y)\b[\s:=_-]*",
    re.IGNORECASE,
)
_MARGINS = {"all", "total", "totals", "sum", "margin"}


def norm_label(label: str) -> str:
    """A class label made comparable: "Actual 0", "0.0", "0" -> "0"; "Predicted Bad" -> "bad"."""
    s = label.strip().strip("'\"`").strip()
    core = _LABEL_WORDS.sub("", s).strip(" :=_-()")
    s = core or s
    num = parse_number(s)
    if num is not None and num.finite and num.value == int(num.value):
        return str(int(num.value))
    return " ".join(s.lower().split())


def _axis_role(*texts: str) -> str:
    joined = " ".join(texts).lower()
    if re.search(r"pred", joined):
        return "predicted"
    if re.search(r"actual|true|truth|observed|real", joined):
        return "actual"
    return ""


def _counts(cells: list[list[str]]) -> list[list[int]] | None:
    out = []
    for row in cells:
        vals = []
        for c in row:
            n = parse_number(c)
            if n is None or not n.finite or n.value < 0 or n.value != int(n.value) or n.value > 1e9:
                return None
            vals.append(int(n.value))
        out.append(vals)
    return out


def _make(rows_lab: list[str], cols_lab: list[str], counts: list[list[int]], *, positional: bool,
          row_role: str, col_role: str, text: str, flipped_hint: bool = False) -> Confusion | None:
    nr, nc = len(counts), len(counts[0]) if counts else 0
    if not (1 <= nr <= 10 and 1 <= nc <= 10 and max(nr, nc) >= 2) or any(len(r) != nc for r in counts):
        return None
    if sum(map(sum, counts)) <= 0:
        return None
    common: set[str] = set()
    if positional:
        if nr != nc:
            return None
        rkeys = ckeys = [str(i) for i in range(nr)]
        display = {k: (rows_lab[i] if rows_lab and i < len(rows_lab) else k) for i, k in enumerate(rkeys)}
    else:
        rkeys = [norm_label(x) for x in rows_lab]
        ckeys = [norm_label(x) for x in cols_lab]
        if len(set(rkeys)) != nr or len(set(ckeys)) != nc:
            return None
        common = set(rkeys) & set(ckeys)
        if not common:
            if nr != nc or not (row_role or col_role):
                return None
            rkeys = ckeys = [str(i) for i in range(nr)]
            display = {k: rows_lab[i] for i, k in enumerate(rkeys)}
        else:
            if not (set(rkeys) <= set(ckeys) or set(ckeys) <= set(rkeys)):
                return None
            display = {}
            for k, lab in list(zip(ckeys, cols_lab, strict=True)) + list(zip(rkeys, rows_lab, strict=True)):
                display[k] = _LABEL_WORDS.sub("", lab).strip(" :=_-()") or lab
    oriented = bool(row_role or col_role)
    rows_are_predicted = row_role == "predicted" or col_role == "actual" or (not oriented and flipped_hint)
    if rows_are_predicted:
        counts = [list(col) for col in zip(*counts, strict=True)]
        rkeys, ckeys = ckeys, rkeys
    return Confusion(tuple(rkeys), tuple(ckeys), tuple(tuple(r) for r in counts), display,
                     oriented or flipped_hint, text, positional=rkeys == [str(i) for i in range(len(rkeys))]
                     and ckeys == rkeys and (positional or not common))


def relabel(cm: Confusion, labels: list[str]) -> Confusion:
    """A positional matrix with class labels (e.g. those of a classification report, in order)."""
    if not cm.positional or len(labels) != len(cm.actual):
        return cm
    keys = [norm_label(x) for x in labels]
    if len(set(keys)) != len(keys):
        return cm
    by_pos = dict(zip(cm.actual, keys, strict=True))
    return Confusion(tuple(by_pos[k] for k in cm.actual), tuple(by_pos[k] for k in cm.predicted), cm.counts,
                     dict(zip(keys, labels, strict=True)), cm.oriented, cm.text, positional=False)


@total(lambda: None)
def confusion_from_grid(grid: Grid, *, flipped_hint: bool = False) -> Confusion | None:
    """A DataFrame / crosstab grid as a confusion matrix (None when it cannot be one)."""
    rows = [(lab, list(cells)) for lab, cells in grid.rows if norm_label(lab) not in _MARGINS]
    if not rows:
        return None
    keep = list(range(len(rows[0][1])))
    labels = list(grid.col_labels) if grid.col_labels else None
    if labels:
        keep = [k for k in keep if norm_label(labels[k]) not in _MARGINS]
    cells = [[r[1][k] for k in keep] for r in rows]
    counts = _counts(cells)
    if counts is None:
        return None
    row_labels = [r[0] for r in rows]
    col_labels = [labels[k] for k in keep] if labels else []
    row_role = _axis_role(grid.row_name, *row_labels)
    col_role = _axis_role(grid.col_name, *col_labels)
    if row_role and row_role == col_role:
        row_role = col_role = ""
    return _make(row_labels, col_labels, counts, positional=not col_labels, row_role=row_role,
                 col_role=col_role, text=grid.text or grid_text(grid), flipped_hint=flipped_hint)


_MATRIX = re.compile(r"\[\s*((?:\[[^\[\]]{1,400}\]\s*(?:,\s*)?){1,10})\]")
_ROW = re.compile(r"\[([^\[\]]*)\]")


@total(list)
def find_matrices(text: str, *, flipped_hint: bool = False) -> list[Confusion]:
    """NumPy-style integer matrices ("[[128  15]\\n [ 31  26]]", "array([[...]])", nested lists)."""
    out = []
    starts = sorted(set(find_all(text, "[[", 200)) | set(find_all(text, "[ [", 200)))
    last_end = -1
    for at in starts:
        if at < last_end:
            continue
        m = _MATRIX.match(text, at)
        if m is None:
            continue
        last_end = m.end()
        rows = [[t for t in re.split(r"[\s,]+", r.group(1).strip()) if t] for r in _ROW.finditer(m.group(1))]
        if not rows or not rows[0]:
            continue
        counts = _counts(rows)
        if counts is None:
            continue
        cm = _make([], [], counts, positional=True, row_role="", col_role="", text=m.group(0),
                   flipped_hint=flipped_hint)
        if cm is not None:
            out.append(cm)
    return out


_TFPN = {
    key: re.compile(rf"(?<![a-z]){words}s?['\"]?\s*(?:\([a-z]{{2}}\))?\s*[:=]?\s*(\d+)(?![\d.])", re.IGNORECASE)
    for key, words in (("tn", r"(?:true[ _-]?negative|tn)"), ("fp", r"(?:false[ _-]?positive|fp)"),
                       ("fn", r"(?:false[ _-]?negative|fn)"), ("tp", r"(?:true[ _-]?positive|tp)"))
}


@total(list)
def find_tfpn(text: str) -> list[Confusion]:
    """A binary confusion matrix printed as its four counts ("True Negatives: 128", "TN=128", ...,
    from `tn, fp, fn, tp = confusion_matrix(...).ravel()`): rows actual (0, 1), columns predicted."""
    if len(text) > 20000:
        return []
    low = lowered(text)
    if not (("negative" in low and "positive" in low) or ("tn" in low and "tp" in low)):
        return []
    counts = {}
    for key, rx in _TFPN.items():
        m = rx.search(text)
        if m is None:
            return []
        counts[key] = int(m.group(1))
    cm = _make([], [], [[counts["tn"], counts["fp"]], [counts["fn"], counts["tp"]]], positional=True,
               row_role="actual", col_role="predicted", text=quote(text, 200))
    return [cm] if cm is not None else []
