"""Presentation helpers shared by the renderers: status labels, ordering, number formatting,
evidence as a displayable tree, and text cleaning for each output language.

Nothing here scores: every number shown comes from the finished report. The helpers only
choose words, symbols and order, and make student-controlled text safe to show:

- `visible_text`: control, bidi and zero-width characters become visible marks such as
  `[U+0000]` or `[U+202E]` (font-independent); terminal colour codes are dropped. Applied to every
  string any renderer prints, so a hostile value can neither hide nor reorder text.
- `md_text`: `visible_text` plus Markdown/HTML escaping, on one line (table cells).
- `xml_text`: `visible_text`, which also removes every character XML 1.0 forbids.
- `csv_text`: `visible_text` plus a leading `'` when a spreadsheet would read a formula.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from grader.messages import CAUSES
from grader.models import (  # noqa: F401 - re-exported for the renderers
    ADVISORY,
    FAILING,
    INCOMPLETE_LOOK,
    REVIEW_LOOK,
    REVIEW_LOOKS,
    STATUS_ORDER,
    UNKNOWN_LOOK,
    ReviewKind,
    Status,
    StatusLook,
    look,
    report_look,
)

# --- statuses --------------------------------------------------------------------------------


STATUS = {str(s): s.look for s in Status}
STATUS_ORDER = [str(s) for s in STATUS_ORDER]
UNKNOWN = UNKNOWN_LOOK

# Statuses a student has to act on (most points first), and advisories shown after them.
TO_FIX = tuple(str(s) for s in FAILING)
ADVISORY = tuple(str(s) for s in ADVISORY)

CATEGORY_ORDER = ["IAM", "S3", "SageMaker", "Clean-up", "Notebooks", "Reproduction"]


def status_class(status: str) -> str:
    """A CSS class for a status (only known words, never a value from the report)."""
    return f"st-{status}" if status in STATUS else "st-unknown"


# --- numbers ---------------------------------------------------------------------------------


def num(value: Any) -> str:
    """8.0 -> "8", 2.5 -> "2.5", 66.66666 -> "66.67"; anything else as text."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value) or abs(value) >= 1e15:
        return repr(value)
    rounded = round(value, 2)
    if rounded.is_integer():
        return str(int(rounded))
    return f"{rounded:.2f}".rstrip("0").rstrip(".")


def points(item: dict[str, Any]) -> tuple[float, float]:
    pts = item.get("points") or {}
    return float(pts.get("earned") or 0.0), float(pts.get("possible") or 0.0)


def at_stake(item: dict[str, Any]) -> float:
    earned, possible = points(item)
    return max(possible - earned, 0.0)


# --- ordering --------------------------------------------------------------------------------


def fix_first(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items to act on, most points at stake first (rubric order breaks ties); advisories last."""
    order = {id(i): n for n, i in enumerate(items)}
    todo = [i for i in items if i.get("status") in TO_FIX]
    todo.sort(key=lambda i: (-at_stake(i), order[id(i)]))
    return todo + [i for i in items if i.get("status") in ADVISORY]


@dataclass
class FixEntry:
    """One entry of "what to fix first": a root cause covering its items, or one item."""

    title: str
    status: str
    message: str
    remediation: str | None
    items: list[dict[str, Any]]
    cause: str | None = None
    money: bool = False

    @property
    def stake(self) -> float:
        return sum(at_stake(i) for i in self.items)

    @property
    def advice_only(self) -> bool:
        return all(i.get("status") in ADVISORY for i in self.items)

    @property
    def anchor(self) -> str:
        return str(self.items[0].get("id"))


def fix_entries(items: list[dict[str, Any]]) -> list[FixEntry]:
    """The "what to fix first" list: ordered by cause, then money, then points. Items whose check
    named a known root cause are one entry per cause (money-costing causes, such as a live
    endpoint, first of all); the other items follow one each, most points at stake first, and
    advisories last."""
    todo = fix_first(items)
    groups: dict[str, list[dict[str, Any]]] = {}
    single: list[dict[str, Any]] = []
    for item in todo:
        cause = item.get("cause")
        (groups.setdefault(cause, []) if cause in CAUSES else single).append(item)
    entries = []
    for cause, members in sorted(groups.items(), key=lambda kv: (CAUSES[kv[0]].rank, -sum(map(at_stake, kv[1])))):
        info = CAUSES[cause]
        first = members[0]
        status = str(first.get("status"))  # members come most points at stake first
        message = first.get("message") if len(members) == 1 else \
            f"{len(members)} items depend on this: " + ", ".join(str(m.get("title") or m.get("id")) for m in members)
        # one item: its check's own advice fits what was found (the region, the cell); several: the cause's
        advice = (first.get("remediation") or info.advice) if len(members) == 1 else info.advice
        entries.append(FixEntry(info.title, status, str(message or ""), advice, members, cause, info.money))
    entries += [FixEntry(str(i.get("title") or i.get("id")), str(i.get("status")), str(i.get("message") or ""),
                         i.get("remediation"), [i]) for i in single]
    money = [e for e in entries if e.money]
    return money + [e for e in entries if not e.money and not e.advice_only] + \
        [e for e in entries if not e.money and e.advice_only]


def review_words(kind: Any) -> str:
    """The words for a review flag's kind (unknown kinds shown as they are)."""
    try:
        return REVIEW_LOOKS[ReviewKind(kind)]
    except ValueError:
        return str(kind)


def item_notes(item: dict[str, Any]) -> list[str]:
    """Plain-text lines for an item's TA override and review flag (text formats share them)."""
    lines = []
    ov = item.get("override")
    if isinstance(ov, dict):
        orig = ov.get("original") or {}
        by = f" ({ov.get('by')})" if ov.get("by") else ""
        lines.append(f"Decided by a TA{by}: {look(ov.get('status')).label}, {num(ov.get('points'))} points; the grader "
                     f"said {look(orig.get('status')).label}, {num(orig.get('points'))} points. {ov.get('note') or ''}".rstrip())
    rv = item.get("review")
    if isinstance(rv, dict):
        lines.append(f"For a person: {review_words(rv.get('kind'))}. {rv.get('reason') or ''}".rstrip())
    return lines


def open_flags(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's review flags that no TA override resolved yet."""
    return [f for f in report.get("review") or [] if isinstance(f, dict) and not f.get("resolved")]


def report_state(report: dict[str, Any]) -> tuple[StatusLook, str]:
    """The report's visible state and its CSS class: a flagged student is never shown as a
    plain PASS or FAIL, an incomplete one never as passing."""
    status = report.get("status")
    if status == "error":
        return report_look(status), "st-error"
    if open_flags(report):
        return REVIEW_LOOK, "st-review"
    if report.get("incomplete") or report.get("complete") is False:
        return INCOMPLETE_LOOK, "st-skip"
    return report_look(status), "st-pass" if status == "pass" else "st-fail"


@dataclass
class Category:
    name: str
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def earned(self) -> float:
        return sum(points(i)[0] for i in self.items)

    @property
    def possible(self) -> float:
        return sum(points(i)[1] for i in self.items)

    @property
    def counts(self) -> dict[str, int]:
        return status_counts(self.items)


def by_category(items: list[dict[str, Any]]) -> list[Category]:
    """Items grouped by category: the lesson's order first, then any other in order seen."""
    groups: dict[str, Category] = {}
    for item in items:
        name = str(item.get("category") or "Other")
        groups.setdefault(name, Category(name)).items.append(item)
    known = [groups.pop(c) for c in CATEGORY_ORDER if c in groups]
    return known + list(groups.values())


def status_counts(items: list[dict[str, Any]]) -> dict[str, int]:
    """Counts per status, in STATUS_ORDER, only the statuses present."""
    counts = {s: 0 for s in STATUS_ORDER}
    for item in items:
        st = item.get("status")
        counts[st] = counts.get(st, 0) + 1
    return {s: n for s, n in counts.items() if n}


# --- text cleaning ---------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb"
    "\ufffe\uffff\ud800-\udfff]"
)


def _show(match: re.Match[str]) -> str:
    return f"[U+{ord(match.group()):04X}]"


def visible_text(value: Any) -> str:
    """Text safe to show anywhere: no hidden, reordering or XML-illegal characters.

    Keeps newlines and tabs; CRLF becomes a newline; ANSI colour codes are dropped; other
    controls, bidi overrides, zero-width characters and lone surrogates become `[U+XXXX]`.
    """
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    if not text:
        return text
    text = _ANSI.sub("", text).replace("\r\n", "\n")
    return _INVISIBLE.sub(_show, text)


def one_line(value: Any, limit: int | None = None) -> str:
    text = " ".join(visible_text(value).split())
    if limit and len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return text


_MD_SPECIAL = re.compile(r"([\\`*_\[\]#!|~@$^])")


def md_text(value: Any, limit: int | None = None) -> str:
    """Inline Markdown text: on one line, with every Markdown/HTML-active character neutralised.

    `<`, `>` and `&` become HTML entities; the characters that make links, images, emphasis,
    code, tables, strike-through, mentions (`@`), issue links (`#`) and math (`$`) are
    backslash-escaped. (Without `[`, a `(` cannot start a link.) The text is never at the
    start of a line, so list and heading markers need no escape.
    """
    text = one_line(value, limit)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def xml_text(value: Any) -> str:
    """Text an XML 1.0 document may hold (the XML library escapes <, & and quotes)."""
    return visible_text(value)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_text(value: Any) -> str:
    """A text cell a spreadsheet will not run: a leading `'` before a formula-like start.

    Tab and CR are checked before cleaning (they are what a spreadsheet sees); leading spaces
    are ignored, as some spreadsheets do.
    """
    raw = "" if value is None else str(value)
    cleaned = visible_text(raw)
    if raw.startswith(("\t", "\r")) or cleaned.lstrip(" ").startswith(_FORMULA_START):
        return "'" + cleaned
    return cleaned


def csv_number(value: Any) -> str | float | int:
    """A numeric cell: real numbers stay numbers (negative ones too); anything else is text."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else csv_text(value)
    if isinstance(value, int | float) and math.isfinite(value):
        return num(value)
    return csv_text(value)


# --- evidence as a tree ----------------------------------------------------------------------

MAX_DEPTH = 6
MAX_ENTRIES = 200
MAX_TEXT = 4000
MAX_TABLE_COLUMNS = 8
_IDENT = re.compile(r"^[a-z0-9_]+$")


@dataclass(slots=True)
class Node:
    """One piece of evidence to show.

    kind: "text" (value: str, block: bool, type: str|number|bool|null), "map" (entries:
    [(label, Node)]), "table" (columns: [label], rows: [[Node]]), "list" (children: [Node]),
    "empty" (value: "none"). `more` counts entries left out (the page stays readable).
    """

    kind: str
    value: str = ""
    type: str = "str"
    block: bool = False
    long: bool = False  # a long unbroken value (a URL, a key) that may wrap anywhere
    # a report has thousands of nodes, most of them text: no empty lists made for each
    entries: Sequence[tuple[str, Node]] = ()
    columns: Sequence[str] = ()
    rows: Sequence[Sequence[Node]] = ()
    children: Sequence[Node] = ()
    more: int = 0


def label(key: Any) -> str:
    """A key as a label: snake_case keys from checks read as words; other keys stay as they are."""
    text = str(key)
    return text.replace("_", " ") if _IDENT.match(text) else text


def _scalar(value: Any) -> Node:
    if value is None:
        return Node("text", "none", type="null")
    if isinstance(value, bool):
        return Node("text", "yes" if value else "no", type="bool")
    if isinstance(value, int | float):
        return Node("text", num(value), type="number")
    text = str(value)
    more = max(len(text) - MAX_TEXT, 0)
    if more:
        text = text[:MAX_TEXT]
    return Node("text", text, type="str", block="\n" in text or len(text) > 160,
                long=any(len(word) > 30 for word in text.split()), more=more)


def evidence_tree(value: Any, depth: int = 0) -> Node:
    """Evidence as nested Nodes: dicts as key/value lists, lists of records as tables."""
    if isinstance(value, dict):
        if not value:
            return Node("empty", "none")
        if depth >= MAX_DEPTH:
            return _scalar(json.dumps(value, ensure_ascii=False, default=str))
        keys = list(value)[:MAX_ENTRIES]
        return Node("map", entries=[(label(k), evidence_tree(value[k], depth + 1)) for k in keys],
                    more=len(value) - len(keys))
    if isinstance(value, list | tuple):
        if not value:
            return Node("empty", "none")
        if depth >= MAX_DEPTH:
            return _scalar(json.dumps(value, ensure_ascii=False, default=str))
        shown = list(value[:MAX_ENTRIES])
        more = len(value) - len(shown)
        if all(isinstance(v, dict) and v for v in shown):
            columns = list(dict.fromkeys(k for row in shown for k in row))
            if len(columns) <= MAX_TABLE_COLUMNS:
                rows = [[evidence_tree(row[c], depth + 1) if c in row else Node("text", "", type="null")
                         for c in columns] for row in shown]
                return Node("table", columns=[label(c) for c in columns], rows=rows, more=more)
        return Node("list", children=[evidence_tree(v, depth + 1) for v in shown], more=more)
    return _scalar(value)


def is_inline_list(node: Node) -> bool:
    """A list of short plain values reads best on one line, comma-separated."""
    return node.kind == "list" and all(c.kind == "text" and not c.block for c in node.children) and sum(
        len(c.value) for c in node.children) < 200
