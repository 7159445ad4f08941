"""What a check sees: the student, the account's facts, the notebooks' facts, run options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from grader.models import StudentInfo

if TYPE_CHECKING:
    from grader.aws.facts import AccountFacts


@dataclass
class Context:
    student: StudentInfo
    aws: AccountFacts | None = None
    notebooks: Any = None  # grader.notebooks.Submission, when --notebooks was given
    regions_override: list[str] | None = None
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """Derived facts shared by several checks (e.g. which bucket is the private one), once.
        A FactError raised by `compute` is remembered and raised again for every asker."""
        if key not in self._memo:
            try:
                self._memo[key] = (True, compute())
            except Exception as exc:
                self._memo[key] = (False, exc)
        ok, value = self._memo[key]
        if not ok:
            raise value
        return value

    def scan_regions(self, spec: str | list[str]) -> tuple[list[str], list[str], str]:
        """The regions to scan: the command's --regions wins over the rubric's `regions` param."""
        assert self.aws is not None
        return self.aws.regions(self.regions_override or spec)
