"""Accuracy figures printed in lines ("accuracy_score: 0.77", "Accuracy: 77.0%") and outputs that
are one bare number or a tuple of numbers."""

from __future__ import annotations

import re

from grader.notebooks.parsers.base import Found, after_name, total
from grader.notebooks.text import NUM, Number, is_log_line, lines_with, numbers_in, parse_number, quote

_ACC_KEY = re.compile(r"(?<![a-z])acc(?:uracy)?(?:[ _-]?score)?(?![a-z])", re.IGNORECASE)
_ACC_SKIP = re.compile(
    r"balanced|(?<![a-z])train(?:ing)?(?![a-z])|val_|validation|loss|binary_classification|quality_metric"
    r"|epoch|cross[-_ ]?val|(?<![a-z])cv(?![a-z])|baseline|dummy|majority|null[ _]accuracy|top[-_ ]?\d"
    r"|['\"]accuracy['\"]\s*:",
    re.IGNORECASE,
)
_REPORT_ACC_ROW = re.compile(r"^\s*accuracy(?:\s+" + NUM + r"){1,4}\s*$", re.IGNORECASE)


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
            value = next((num for num, _, _ in numbers_in(after_name(line, key.end()))
                          if num.finite and 0.0 <= num.value <= 1.0), None)
            if value is not None:
                break
        if value is None or is_log_line(line) or _ACC_SKIP.search(line) or _REPORT_ACC_ROW.match(line):
            continue
        found.append(Found(value, quote(line)))
    return found



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
