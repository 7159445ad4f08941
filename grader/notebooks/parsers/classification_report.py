"""scikit-learn classification reports: printed text (any labels, `digits=`), `output_dict=True`
dicts, and those dicts turned into DataFrames (via `Grid`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.notebooks.parsers.base import total
from grader.notebooks.parsers.tables import Grid
from grader.notebooks.text import NUM, Number, lines_with, lowered, parse_number, quote


@dataclass(frozen=True, slots=True)
class ReportRow:
    label: str
    precision: float
    recall: float
    f1: float
    support: float


@dataclass(frozen=True, slots=True)
class ClassificationReport:
    """A classification report: its class rows and its accuracy (`accuracy` or `micro avg` row)."""

    classes: tuple[ReportRow, ...]
    accuracy: Number | None
    accuracy_row: str  # "accuracy" | "micro avg" | ""
    line: str  # the accuracy row (or the header) as printed

    @property
    def total_support(self) -> float:
        return sum(r.support for r in self.classes)

    def predicted_counts(self) -> dict[str, float | None]:
        """Test rows predicted as each class: recall x support / precision (0 when both are 0)."""
        out: dict[str, float | None] = {}
        for r in self.classes:
            if r.precision > 0:
                out[r.label] = r.recall * r.support / r.precision
            else:
                out[r.label] = 0.0 if r.recall == 0 else None
        return out


_REPORT_HEADER = re.compile(r"[ \t]*precision[ \t]+recall[ \t]+f1[-_ ]?score[ \t]+support[ \t]*", re.IGNORECASE)
_AVG_ROWS = {"macro avg", "weighted avg", "samples avg", "avg / total", "avg/total"}


def _report_from_rows(rows: list[tuple[str, list[Number], str]], header_line: str) -> ClassificationReport | None:
    classes: list[ReportRow] = []
    accuracy: Number | None = None
    acc_row = ""
    acc_line = header_line
    for label, nums, line in rows:
        low = " ".join(label.lower().split())
        if low == "accuracy":
            if nums:
                accuracy, acc_row, acc_line = nums[0], "accuracy", line
        elif low == "micro avg":
            if len(nums) >= 3 and accuracy is None:
                accuracy, acc_row, acc_line = nums[2], "micro avg", line
        elif low in _AVG_ROWS:
            continue
        elif len(nums) == 4:
            p, r, f, s = (n.value for n in nums)
            if not all(0.0 <= v <= 1.0 for v in (p, r, f)) or s < 0:
                return None
            classes.append(ReportRow(label.strip(), p, r, f, s))
        else:
            return None
    if not classes and accuracy is None:
        return None
    if accuracy is not None and not (accuracy.finite and 0.0 <= accuracy.value <= 1.0):
        accuracy, acc_row = None, ""
    return ClassificationReport(tuple(classes), accuracy, acc_row, quote(acc_line))


def _report_rows(lines: list[str]) -> list[tuple[str, list[Number], str]]:
    """The rows under a report header: label, trailing numbers (at most 4), the line."""
    rows: list[tuple[str, list[Number], str]] = []
    blank = 0
    for line in lines:
        toks = line.split()
        if not toks:
            blank += 1
            if blank >= 2 and rows:
                break
            continue
        blank = 0
        k = 0
        while k < len(toks) and k < 4 and parse_number(toks[-1 - k]) is not None:
            k += 1
        if k == len(toks):
            k -= 1
        if k <= 0:
            break
        nums = [parse_number(t) for t in toks[len(toks) - k:]]
        rows.append((" ".join(toks[: len(toks) - k]), nums, line))  # type: ignore[arg-type]
    return rows


@total(list)
def find_reports(text: str) -> list[ClassificationReport]:
    """scikit-learn classification reports printed as text, and `output_dict=True` dicts."""
    reports = []
    low = lowered(text)
    headers = [line for line in lines_with(text, ("recall",), low) if _REPORT_HEADER.fullmatch(line)] \
        if "recall" in low else []
    pos = 0
    for header in headers:
        at = text.find(header, pos)
        if at == -1:
            continue
        pos = at + len(header)
        report = _report_from_rows(_report_rows(text[pos:pos + 20000].split("\n")[1:60]), header)
        if report is not None:
            reports.append(report)
    if "acc" in lowered(text) and ("accuracy'" in text or 'accuracy"' in text):
        reports.extend(_find_report_dicts(text))
    return reports


_DICT_NUM = r"(?:np\.float64\(|numpy\.float64\()?(" + NUM + r")\)?"
_DICT_ACC = re.compile(r"(['\"])accuracy\1\s*:\s*" + _DICT_NUM)
_DICT_CLASS = re.compile(r"(['\"])([^'\"{}]{1,40})\1\s*:\s*\{([^{}]{0,600})\}")
_DICT_FIELD = re.compile(r"(['\"])(precision|recall|f1-score|support)\1\s*:\s*" + _DICT_NUM)


def _find_report_dicts(text: str) -> list[ClassificationReport]:
    out = []
    for m in _DICT_ACC.finditer(text):
        # the report dict is the {...} around the accuracy key: look back a bounded distance
        start = text.rfind("\n", 0, max(0, m.start() - 2000))
        chunk = text[start + 1 if start >= 0 else max(0, m.start() - 2000): m.end()]
        classes = []
        for cm in _DICT_CLASS.finditer(chunk):
            label = cm.group(2)
            if label.lower() in _AVG_ROWS:
                continue
            fields = {f.group(2): parse_number(f.group(3)) for f in _DICT_FIELD.finditer(cm.group(3))}
            if len(fields) == 4 and all(v is not None for v in fields.values()):
                classes.append(ReportRow(label, fields["precision"].value, fields["recall"].value,  # type: ignore[union-attr]
                                         fields["f1-score"].value, fields["support"].value))  # type: ignore[union-attr]
        acc = parse_number(m.group(2))
        if acc is not None and acc.finite and 0 <= acc.value <= 1:
            out.append(ClassificationReport(tuple(classes), acc, "accuracy", quote(m.group(0))))
    return out


@total(lambda: None)
def report_from_grid(grid: Grid) -> ClassificationReport | None:
    """A classification report turned into a DataFrame (`output_dict=True` then DataFrame)."""
    if not grid.col_labels:
        return None
    names = [" ".join(c.lower().replace("_", "-").split()) for c in grid.col_labels]
    names = ["f1-score" if n in ("f1 score", "f1", "f1-score") else n for n in names]
    try:
        idx = [names.index(k) for k in ("precision", "recall", "f1-score", "support")]
    except ValueError:
        return None
    rows = []
    for label, cells in grid.rows:
        nums = [parse_number(cells[k]) for k in idx]
        if any(n is None for n in nums):
            return None
        rows.append((label, nums, f"{label}  " + "  ".join(cells)))
    return _report_from_rows(rows, "  ".join(grid.col_labels))  # type: ignore[arg-type]
