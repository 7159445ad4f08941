"""Parsers for the metrics that executed notebooks print, in the formats real notebooks use.

Every public function here is total: any text in, a (possibly empty) list or None out, never an
exception. They read text only; deciding which cell's output is which metric is the job of
`grader.notebooks.analysis`, which knows the cells.

Formats read (observed in public course and student notebooks, 2019-2023):

- accuracy: "accuracy_score: 0.77", "Accuracy Score: 0.765", "Test accuracy = 77.0%", "The accuracy
  of the model is 0.77" (training/validation/balanced/baseline accuracies and SageMaker's own
  log lines are not the model's reported test accuracy and are skipped);
- scikit-learn classification reports, text (any label names, `digits=`), `output_dict=True`
  printed as a dict, or turned into a DataFrame (text/plain or text/html); the `accuracy` row, or
  the `micro avg` row of scikit-learn 0.20-0.21 (for one label per row it equals accuracy);
- confusion matrices as NumPy arrays (`[[128  15]\\n [ 31  26]]`, `array([[...]])`, nested
  lists) and as DataFrames / `pd.crosstab` results (text/plain or text/html, with or without
  axis names and `margins=True` totals; a constant model's crosstab has a single column);
- regression metrics: "RMSE: 0.36", "Root Mean Squared Error: ...", "R2 score: -0.09",
  "R^2", "R²", "R-squared", "r2_score", "coefficient of determination".
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, TypeVar

from grader.notebooks.text import (
    NUM,
    Number,
    find_all,
    is_log_line,
    lines_with,
    lowered,
    numbers_in,
    parse_number,
    quote,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


def total(default: Callable[[], Any]) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Make a parser total: an unexpected exception becomes its "not found" value."""

    def wrap(func: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(func)
        def safe(*args: Any, **kwargs: Any) -> T:
            try:
                return func(*args, **kwargs)
            except (RecursionError, ValueError, TypeError, IndexError, KeyError, AttributeError,
                    ZeroDivisionError, OverflowError, AssertionError):
                log.debug("parser %s gave up on its input", func.__name__, exc_info=True)
                return default()

        return safe

    return wrap


# -- scalar metrics in lines -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Found:
    """A number found in output text, with the line it was read from."""

    number: Number
    line: str

    @property
    def value(self) -> float:
        return self.number.value


_ACC_KEY = re.compile(r"(?<![a-z])acc(?:uracy)?(?:[ _-]?score)?(?![a-z])", re.IGNORECASE)
_ACC_SKIP = re.compile(
    r"balanced|(?<![a-z])train(?:ing)?(?![a-z])|val_|validation|loss|binary_classification|quality_metric"
    r"|epoch|cross[-_ ]?val|(?<![a-z])cv(?![a-z])|baseline|dummy|majority|null[ _]accuracy|top[-_ ]?\d"
    r"|['\"]accuracy['\"]\s*:",
    re.IGNORECASE,
)
_REPORT_ACC_ROW = re.compile(r"^\s*accuracy(?:\s+" + NUM + r"){1,4}\s*$", re.IGNORECASE)
_CUT = re.compile(
    r"[,;|]|(?<![a-z0-9])(?:rmse|mse|mae|r[ _-]?2|r[ _-]?squared|acc(?:uracy)?|precision|recall|f1|auc|roc"
    r"|loss|error)(?![a-z])",
    re.IGNORECASE,
)
_RMSE_KEY = re.compile(
    r"(?<![a-z0-9])(?:rmse|root[ _-]?mean[ _-]?squared?[ _-]?error|root[ _-]?mse)(?![a-z])", re.IGNORECASE
)
_R2_KEY = re.compile(
    r"(?<![a-z0-9])(?:r[ _-]?(?:2|\u00b2|\^ ?2|\*\*2)|r[ _-]?squared|coefficient[ _]of[ _]determination)"
    r"(?![a-z0-9])(?:[ _-]?score)?",
    re.IGNORECASE,
)


_PAREN = re.compile(r"^\s*\([^()]{0,20}\)")
_R2_NEEDLES = ("r2", "r^", "r\u00b2", "squared", "r 2", "r_2", "r-2", "determination", "r**2")


def _after(line: str, end: int) -> str:
    """The text after a metric's name up to the next separator or metric name."""
    rest = _PAREN.sub("", line[end:end + 80], count=1)  # "Root mean squared error (RMSE): 0.41"
    cut = _CUT.search(rest)
    return rest[: cut.start()] if cut else rest


@total(list)
def find_accuracy(text: str) -> list[Found]:
    """Accuracy values printed in lines ("accuracy_score: 0.77", "Accuracy: 77.0%").

    Skipped: report rows, SageMaker log lines, training/validation/balanced/baseline accuracies.
    """
    found = []
    for line in lines_with(text, ("acc",), limit=100):
        if len(line) > 400:
            continue
        value = None
        for key in _ACC_KEY.finditer(line):
            value = next((num for num, _, _ in numbers_in(_after(line, key.end()))
                          if num.finite and 0.0 <= num.value <= 1.0), None)
            if value is not None:
                break
        if value is None or is_log_line(line) or _ACC_SKIP.search(line) or _REPORT_ACC_ROW.match(line):
            continue
        found.append(Found(value, quote(line)))
    return found


def _metric_lines(text: str, key: re.Pattern[str], needles: tuple[str, ...]) -> list[Found]:
    found = []
    for line in lines_with(text, needles, limit=100):
        if len(line) > 400:
            continue
        m = key.search(line)
        if not m or is_log_line(line):
            continue
        nums = numbers_in(_after(line, m.end()))
        if nums:
            found.append(Found(nums[0][0], quote(line)))
    return found


@total(list)
def find_rmse(text: str) -> list[Found]:
    """RMSE values ("RMSE: 0.36", "Root Mean Squared Error = 0.36", "rmse 0.36")."""
    return _metric_lines(text, _RMSE_KEY, ("rmse", "root"))


@total(list)
def find_r2(text: str) -> list[Found]:
    """R² values ("R2 score: -0.09", "R^2 = 0.1", "R²: 0.1", "R-squared: 0.1", "r2_score: 0.1")."""
    return _metric_lines(text, _R2_KEY, _R2_NEEDLES)


_BARE = re.compile(r"\s*(?:np\.|numpy\.)?(?:float(?:16|32|64)?\()?\s*(" + NUM + r"|nan|inf)\s*\)?\s*", re.IGNORECASE)


@total(lambda: None)
def bare_number(text: str) -> Number | None:
    """The number when the whole text is one number ("0.77", "np.float64(0.77)")."""
    if len(text) > 80:
        return None
    m = _BARE.fullmatch(text)
    return parse_number(m.group(1)) if m else None


@total(lambda: None)
def bare_tuple(text: str) -> list[Number] | None:
    """The numbers when the whole text is a tuple or list of numbers ("(0.36, -0.09)")."""
    t = text.strip()
    if len(t) > 200 or len(t) < 3 or t[0] not in "([" or t[-1] not in ")]":
        return None
    parts = [p for p in t[1:-1].split(",") if p.strip()]
    nums = [bare_number(p) for p in parts]
    if not nums or any(n is None for n in nums):
        return None
    return nums  # type: ignore[return-value]


# -- classification reports ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ReportRow:
    label: str
    precision: float
    recall: float
    f1: float
    support: float


@dataclass(frozen=True, slots=True)
class Report:
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


def _report_from_rows(rows: list[tuple[str, list[Number], str]], header_line: str) -> Report | None:
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
    return Report(tuple(classes), accuracy, acc_row, quote(acc_line))


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
def find_reports(text: str) -> list[Report]:
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


def _find_report_dicts(text: str) -> list[Report]:
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
            out.append(Report(tuple(classes), acc, "accuracy", quote(m.group(0))))
    return out


# -- tables: DataFrame text/plain and text/html ----------------------------------------------
@dataclass(frozen=True, slots=True)
class Grid:
    """A printed table: column labels (None when unknown), axis names, labelled rows of cells."""

    col_labels: tuple[str, ...] | None
    col_name: str
    row_name: str
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    text: str


_SPLIT2 = re.compile(r"\s{2,}")


def _is_number(token: str) -> bool:
    return parse_number(token) is not None


def _data_row(line: str) -> tuple[str, list[str]] | None:
    """A DataFrame data row: an index label at column 0, then numeric cells."""
    if not line or line[0].isspace() or len(line) > 300:
        return None
    toks = _SPLIT2.split(line.strip())
    if len(toks) < 2 or not all(_is_number(t) for t in toks[1:]):
        return None
    return toks[0], toks[1:]


def _grid_at(lines: list[str], i: int) -> tuple[Grid | None, int]:
    header = lines[i]
    if not header.strip() or len(header) > 300:
        return None, i + 1
    htoks = _SPLIT2.split(header.strip())
    j = i + 1
    row_name = ""
    if (j + 1 < len(lines) and lines[j].strip() and not lines[j][0].isspace()
            and len(_SPLIT2.split(lines[j].strip())) == 1 and _data_row(lines[j + 1])):
        row_name = lines[j].strip()
        j += 1
    rows: list[tuple[str, tuple[str, ...]]] = []
    width = None
    while j < len(lines) and len(rows) < 60:
        row = _data_row(lines[j])
        if row is None or (width is not None and len(row[1]) != width):
            break
        width = len(row[1])
        rows.append((row[0], tuple(row[1])))
        j += 1
    if not rows or width is None:
        return None, i + 1
    if len(htoks) == width + 1:
        col_name, labels = htoks[0], tuple(htoks[1:])
    elif len(htoks) == width:
        col_name, labels = "", tuple(htoks)
    else:
        return None, i + 1
    return Grid(labels, col_name, row_name, tuple(rows), "\n".join(lines[i:j])), j


@total(list)
def find_text_grids(text: str) -> list[Grid]:
    """DataFrame-like tables in text/plain output (a header line, then labelled numeric rows)."""
    lines = text.split("\n")
    grids = []
    i = 0
    while i < len(lines):
        grid, nxt = _grid_at(lines, i)
        if grid is not None:
            grids.append(grid)
        i = max(nxt, i + 1)
    return grids


class _Tables(HTMLParser):
    """Collect the <table>s of an HTML output: rows of (is_header_cell, text), thead flag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[tuple[bool, list[tuple[bool, str]]]]] = []
        self._depth = 0
        self._in_head = False
        self._row: list[tuple[bool, str]] | None = None
        self._cell: list[str] | None = None
        self._cell_th = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "table":
            self._depth += 1
            if self._depth == 1 and len(self.tables) < 50:
                self.tables.append([])
        elif self._depth != 1 or not self.tables:
            return
        elif tag == "thead":
            self._in_head = True
        elif tag == "tbody":
            self._in_head = False
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell, self._cell_th = [], tag == "th"

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._depth = max(0, self._depth - 1)
        elif self._depth != 1 or not self.tables:
            return
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append((self._cell_th, " ".join("".join(self._cell).split())))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if len(self.tables[-1]) < 300:
                self.tables[-1].append((self._in_head, self._row))
            self._row = None
        elif tag == "thead":
            self._in_head = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@total(list)
def find_html_grids(html: str) -> list[Grid]:
    """The tables of an HTML output (pandas' `to_html` layout) as Grids."""
    if "<table" not in html.lower():
        return []
    parser = _Tables()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - HTMLParser on hostile markup: take what was parsed
        log.debug("HTML parser stopped", exc_info=True)
    grids = []
    for table in parser.tables:
        head = [cells for in_head, cells in table if in_head or all(th for th, _ in cells)]
        body = [cells for in_head, cells in table if not (in_head or all(th for th, _ in cells))]
        rows = []
        for cells in body:
            if len(cells) < 2:
                continue
            rows.append((cells[0][1], tuple(text for _, text in cells[1:])))
        if not rows:
            continue
        width = len(rows[0][1])
        if any(len(r[1]) != width for r in rows):
            continue
        labels: tuple[str, ...] | None = None
        col_name = row_name = ""
        if head:
            top = [text for _, text in head[0]]
            if len(top) == width + 1:
                col_name, labels = top[0], tuple(top[1:])
            elif len(top) == width:
                labels = tuple(top)
            if len(head) > 1:
                second = [text for _, text in head[1]]
                if second and second[0] and not any(second[1:]):
                    row_name = second[0]
        grids.append(Grid(labels, col_name, row_name, tuple(rows), ""))
    return grids


@total(lambda: None)
def report_from_grid(grid: Grid) -> Report | None:
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


# -- confusion matrices ----------------------------------------------------------------------
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
                 col_role=col_role, text=grid.text or _grid_text(grid), flipped_hint=flipped_hint)


def _grid_text(grid: Grid) -> str:
    head = "  ".join(([grid.col_name] if grid.col_name else []) + list(grid.col_labels or ()))
    body = "\n".join(f"{lab}  " + "  ".join(cells) for lab, cells in grid.rows)
    return f"{head}\n{body}".strip()


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
