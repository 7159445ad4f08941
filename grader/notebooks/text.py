"""Small text helpers shared by the reader and the parsers: ANSI escapes, comments, numbers."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# CSI sequences (colours, cursor moves), OSC sequences (titles, links) and two-byte escapes.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def clean_text(text: str) -> str:
    """Remove ANSI escapes and make every line end `\\n` (a lone `\\r` too: progress bars)."""
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


_last_lowered: tuple[str, str] | None = None


def lowered(text: str) -> str:
    """`text.lower()`, remembered for the last text asked (several parsers scan one output in
    turn; lower-casing a long output once instead of each time matters)."""
    global _last_lowered
    last = _last_lowered
    if last is not None and last[0] is text:
        return last[1]
    low = text.lower()
    _last_lowered = (text, low)
    return low


def find_all(text: str, needle: str, limit: int = 1000) -> list[int]:
    """Offsets of `needle` in `text` (at most `limit`), found with `str.find`."""
    out = []
    i = text.find(needle)
    while i != -1 and len(out) < limit:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


def lines_with(text: str, needles: tuple[str, ...], low: str | None = None, limit: int = 300) -> list[str]:
    """The lines of `text` containing any of `needles` (lower-case, matched case-insensitively),
    in order, each once; at most `limit` lines per needle (a metric is printed on a line or two,
    not on every line of a long output).

    Built on `str.find`, which is an order of magnitude faster than a regex scan over a long
    output (a training log is often most of a notebook's bytes); regexes then run on the few
    lines found.
    """
    low = lowered(text) if low is None else low
    if len(low) != len(text):  # rare Unicode whose lower case changes length: go line by line
        return [line for line in text.split("\n") if any(n in line.lower() for n in needles)][:limit]
    starts: set[int] = set()
    for needle in needles:
        i = low.find(needle)
        found = 0
        while i != -1 and found < limit:
            found += 1
            start = text.rfind("\n", 0, i) + 1
            starts.add(start)
            end = text.find("\n", i)
            if end == -1:
                break
            i = low.find(needle, end)
    out = []
    for start in sorted(starts):
        end = text.find("\n", start)
        out.append(text[start:] if end == -1 else text[start:end])
    return out


def strip_comments(source: str) -> str:
    """Python source without `#` comments and blank lines (a small scanner that knows strings).

    Good enough for finding calls and literal names; it never raises.
    """
    out = []
    for line in source.split("\n"):
        if "#" in line:
            line = _cut_comment(line)
        if line.strip():
            out.append(line.rstrip())
    return "\n".join(out)


def _cut_comment(line: str) -> str:
    quote = ""
    i = 0
    n = len(line)
    while i < n:
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if line.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
        elif ch == "#":
            return line[:i]
        elif ch in "'\"":
            quote = ch * 3 if line.startswith(ch * 3, i) else ch
            i += len(quote)
            continue
        i += 1
    return line


NUM = r"[-+\u2212]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
NUM_OR_NAN = NUM + r"|[-+]?(?:nan|inf(?:inity)?)\b"
_NUM_FULL = re.compile(NUM)
_NUM_ANY = re.compile(NUM_OR_NAN, re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Number:
    """A number as printed: its value and how many decimals it was printed with.

    `decimals` None means exact (e.g. an accuracy computed from confusion-matrix counts).
    """

    value: float
    decimals: int | None = None

    @property
    def tolerance(self) -> float:
        """Half a unit of the last printed digit: what rounding can hide."""
        if self.decimals is None:
            return 0.0
        return 0.5 * 10.0 ** -min(self.decimals, 300)

    @property
    def finite(self) -> bool:
        return math.isfinite(self.value)

    def agrees(self, other: Number, slack: float = 1e-9) -> bool:
        """Equal within the rounding of both, plus `slack` (a hair for binary floats)."""
        if not (self.finite and other.finite):
            return False
        return abs(self.value - other.value) <= self.tolerance + other.tolerance + slack

    def show(self) -> str:
        if self.decimals is None:
            return f"{self.value:.4f}".rstrip("0").rstrip(".") if self.finite else str(self.value)
        return f"{self.value:.{min(self.decimals, 12)}f}" if self.finite else str(self.value)


def parse_number(token: str, *, percent: bool = False) -> Number | None:
    """A number token ("0.77", "-0.09", "7.7e-01", "nan") as a Number; None if it is not one."""
    t = token.strip().replace("\u2212", "-")
    if not t:
        return None
    if _NUM_FULL.fullmatch(t):
        try:
            value = float(t)
        except (ValueError, OverflowError):
            return None
        mantissa, _, exp = t.lower().partition("e")
        decimals = len(mantissa.split(".", 1)[1]) if "." in mantissa else 0
        if exp:
            try:
                decimals = max(0, decimals - int(exp))
            except ValueError:
                return None
        if percent:
            return Number(value / 100.0, decimals + 2)
        return Number(value, decimals)
    low = t.lower().lstrip("+")
    if low in ("nan", "-nan"):
        return Number(math.nan, None)
    if low in ("inf", "infinity"):
        return Number(math.inf, None)
    if low in ("-inf", "-infinity"):
        return Number(-math.inf, None)
    return None


def numbers_in(text: str) -> list[tuple[Number, int, int]]:
    """Every number token in `text`, with its span (a trailing `%` makes it a percentage)."""
    out = []
    for m in _NUM_ANY.finditer(text):
        start, end = m.span()
        # a number glued to letters or digits before it ("r2", "x86") is part of a word
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_."):
            continue
        percent = text[end:end + 2].lstrip().startswith("%")
        num = parse_number(m.group(0), percent=percent)
        if num is not None:
            out.append((num, start, end))
    return out


# Lines written by SageMaker's algorithm container (training logs): their metrics are the
# algorithm's own, not the student's evaluation.
_LOG_LINE = re.compile(
    r"^\s*\[\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2}|#(?:quality_metric|test_score|train_score|validation_score"
    r"|progress_metric|metrics)\b|^\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} (?:Starting|Downloading|Training|Uploading"
    r"|Completed|Failed|Stopping|Stopped|Interrupted|MaxRuntimeExceeded)\b",
)


def is_log_line(line: str) -> bool:
    return bool(_LOG_LINE.search(line))


def quote(line: str, limit: int = 160) -> str:
    """A line of output as evidence: trimmed, at most `limit` characters."""
    line = " ".join(line.split())
    return line if len(line) <= limit else line[: limit - 1] + "\u2026"
