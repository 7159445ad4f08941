"""What every parser shares: the totality guard and `Found`, a number with the line it was read from."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from grader.notebooks.text import Number, is_log_line, lines_with, numbers_in, quote

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


@dataclass(frozen=True, slots=True)
class Found:
    """A number found in output text, with the line it was read from."""

    number: Number
    line: str

    @property
    def value(self) -> float:
        return self.number.value


_CUT = re.compile(
    r"[,;|]|(?<![a-z0-9])(?:rmse|mse|mae|r[ _-]?2|r[ _-]?squared|acc(?:uracy)?|precision|recall|f1|auc|roc"
    r"|loss|error)(?![a-z])",
    re.IGNORECASE,
)
_PAREN = re.compile(r"^\s*\([^()]{0,20}\)")


def after_name(line: str, end: int) -> str:
    """The text after a metric's name up to the next separator or metric name."""
    rest = _PAREN.sub("", line[end:end + 80], count=1)  # "Root mean squared error (RMSE): 0.41"
    cut = _CUT.search(rest)
    return rest[: cut.start()] if cut else rest


def metric_lines(text: str, key: re.Pattern[str], needles: tuple[str, ...]) -> list[Found]:
    """The first number after `key` on each line holding one of `needles` (SageMaker log lines skipped)."""
    found = []
    for line in lines_with(text, needles, limit=100):
        if len(line) > 400:
            continue
        m = key.search(line)
        if not m or is_log_line(line):
            continue
        nums = numbers_in(after_name(line, m.end()))
        if nums:
            found.append(Found(nums[0][0], quote(line)))
    return found

