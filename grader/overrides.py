"""TA overrides: a person's decisions, applied on top of the grader's verdicts.

``overrides.csv`` (../shared/spec/interface.md): header ``student_id,item_id,status,points,note,by``;
``status`` one of the item statuses; ``points`` optional (default: what that status earns of the
item's rubric points); ``note`` required; ``by`` optional (who decided). Header names ignore case,
spaces and ``-`` like the roster's; the file may come from Excel (BOM, CRLF, ``;`` or tab).

Decisions made here:
- Every line is checked before anything is graded or written: an unknown status, a missing note,
  points that are not a number or exceed the item's rubric points, a student not in the roster
  (or not in the class folder), an item not in the rubric, or two lines for the same student and
  item are input errors (exit 2) naming the file and the line.
- Applying is idempotent: an item that already carries an override is first restored to its
  original verdict, so re-applying the same file on `--resume` or `grader report` changes nothing,
  and a line removed from the file restores the grader's verdict.
- The override resolves the item's review flag (it stays in the report, marked resolved).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from grader.errors import InputError
from grader.models import ItemResult, Override, OverrideOriginal, Points, Status, StudentReport
from grader.scoring import report_status, review_list, status_points, total

COLUMNS = ("student_id", "item_id", "status", "points", "note", "by")
MAX_BYTES = 5_000_000


@dataclass(frozen=True)
class OverrideLine:
    line: int
    student_id: str
    item_id: str
    status: Status
    points: float | None
    note: str
    by: str | None


@dataclass(frozen=True)
class Overrides:
    source: str
    lines: tuple[OverrideLine, ...]

    def for_student(self, student_id: str) -> dict[str, OverrideLine]:
        return {ln.item_id: ln for ln in self.lines if ln.student_id == student_id}

    def check_against(self, student_ids: set[str], item_points: dict[str, float]) -> None:
        """Every line names a known student and item, with points within the item's."""
        for ln in self.lines:
            where = f"{self.source}, line {ln.line}"
            if ln.student_id not in student_ids:
                raise InputError(f"{where}: unknown student {ln.student_id!r} (not in the roster)")
            if ln.item_id not in item_points:
                raise InputError(f"{where}: unknown item {ln.item_id!r} (not in the rubric)")
            if ln.points is not None and ln.points > item_points[ln.item_id]:
                raise InputError(f"{where}: points {ln.points:g} exceed the item's {item_points[ln.item_id]:g}")


def _key(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def read_overrides(path: Path | str) -> Overrides:
    """Read and check an overrides file (see the module doc). Raises InputError."""
    path = Path(path)
    try:
        raw = path.read_bytes()[: MAX_BYTES + 1]
    except OSError as exc:
        raise InputError(f"--overrides {path}: cannot read ({exc.strerror})") from None
    if len(raw) > MAX_BYTES:
        raise InputError(f"--overrides {path}: larger than {MAX_BYTES // 1_000_000} MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"--overrides {path}: not UTF-8 text") from None
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"--overrides {path}, line {reader.line_num}: not valid CSV ({exc})") from None
    if not rows:
        raise InputError(f"--overrides {path}: empty file (expected the header {','.join(COLUMNS)})")
    header = [_key(h) for h in rows[0]]
    for needed in ("student_id", "item_id", "status", "note"):
        if needed not in header:
            raise InputError(f"--overrides {path}: no {needed} column (header: {','.join(COLUMNS)})")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise InputError(f"--overrides {path}: unknown column(s) {', '.join(unknown)} (known: {','.join(COLUMNS)})")
    lines: list[OverrideLine] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise InputError(f"--overrides {path}, line {number}: more fields than the header has")
        cells = dict(zip(header, (c.strip() for c in row), strict=False))
        lines.append(_line(path, number, cells))
        key = (lines[-1].student_id, lines[-1].item_id)
        if key in seen:
            raise InputError(f"--overrides {path}, line {number}: {key[0]} {key[1]} is overridden again "
                             f"(first on line {seen[key]})")
        seen[key] = number
    return Overrides(str(path), tuple(lines))


def _line(path: Path, number: int, cells: dict[str, str]) -> OverrideLine:
    where = f"--overrides {path}, line {number}"
    student_id, item_id = cells.get("student_id", ""), cells.get("item_id", "")
    if not student_id or not item_id:
        raise InputError(f"{where}: student_id and item_id are required")
    try:
        status = Status(cells.get("status", "").lower())
    except ValueError:
        known = " ".join(s.value for s in Status)
        raise InputError(f"{where}: unknown status {cells.get('status', '')!r} (known: {known})") from None
    points: float | None = None
    if cells.get("points"):
        raw = cells["points"]
        decimal_comma = raw.count(",") == 1 and "." not in raw  # 1,5 from a French or German sheet
        try:
            points = float(raw.replace(",", ".") if decimal_comma else raw)
        except ValueError:
            raise InputError(f"{where}: points {cells['points']!r} is not a number") from None
        if not math.isfinite(points) or points < 0:
            raise InputError(f"{where}: points must be a number of at least 0")
    note = cells.get("note", "")
    if not note:
        raise InputError(f"{where}: a note is required (why the verdict changes)")
    return OverrideLine(number, student_id, item_id, status, points, note, cells.get("by") or None)


def _restored(item: ItemResult) -> ItemResult:
    """The item as the grader graded it (before any override)."""
    if item.override is None:
        return item
    orig = item.override.original
    possible = item.points.possible if orig.status not in (Status.SKIP, Status.MANUAL) else 0.0
    return item.model_copy(update={"status": orig.status, "override": None,
                                   "points": Points(earned=orig.points, possible=possible)})


def apply_overrides(report: StudentReport, overrides: Overrides | None,
                    item_points: dict[str, float]) -> StudentReport:
    """`report` with this student's overrides applied (idempotent; see the module doc);
    score, status and review list recomputed. A student who could not be graded is unchanged."""
    if report.status == "error":
        return report
    mine = overrides.for_student(report.student.id) if overrides else {}
    items = []
    for item in report.items:
        item = _restored(item)
        line = mine.get(item.id)
        if line is not None:
            worth = item_points.get(item.id, item.points.possible)
            pts = status_points(line.status, worth)
            if line.points is not None and line.status not in (Status.SKIP, Status.MANUAL):
                pts = Points(earned=line.points, possible=worth)
            item = item.model_copy(update={
                "status": line.status,
                "points": pts,
                "override": Override(status=line.status, points=pts.earned, note=line.note, by=line.by,
                                     original=OverrideOriginal(status=item.status, points=item.points.earned)),
            })
        items.append(item)
    student_flags = [f for f in report.review if f.item is None]
    return report.model_copy(update={
        "items": items,
        "score": total(items),
        "status": report_status(items),
        "review": review_list(items, student_flags),
    })
