"""Which AWS regions to scan: one type (`Regions`) and one parser for every place a region list is
written (the rubric's `regions` param, `--regions`, a roster row's `regions` cell).

A region list is `all` (every region where SageMaker is offered and the account has enabled) or
region names separated by commas, semicolons or spaces. Case does not matter (`ALL`, `US-EAST-2`);
a region named twice counts once; `all` mixed with names, or nothing at all, is an error. Names
are checked against every region botocore knows (every partition) when asked (`known=True`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from grader.errors import InputError

ALL = "all"
_SPLIT = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class Regions:
    """`all` (names empty) or the named regions, in the order first given, each once."""

    names: tuple[str, ...] = ()

    @property
    def all(self) -> bool:
        return not self.names

    def as_list(self) -> list[str]:
        """["all"] or the names (the form rosters and commands hand on)."""
        return [ALL] if self.all else list(self.names)

    def __str__(self) -> str:
        return ALL if self.all else ",".join(self.names)


EVERY_REGION = Regions()


@cache
def known_regions() -> frozenset[str]:
    """Every region botocore knows, in every partition (aws, aws-cn, aws-us-gov, ...)."""
    from grader.aws.sharing import shared_loader

    return frozenset(r for p in shared_loader().load_data("endpoints")["partitions"] for r in p["regions"])


def region_list_problem(value: str | Sequence[str], *, known: bool = True) -> tuple[Regions | None, str | None]:
    """(the parsed Regions, None) or (None, what is wrong, one line without a subject)."""
    if isinstance(value, str):
        parts = [p for p in _SPLIT.split(value) if p]
    elif isinstance(value, Sequence) and all(isinstance(p, str) for p in value):
        parts = [q for p in value for q in _SPLIT.split(p) if q]
    else:
        return None, "give 'all' or a list of region names"
    names = list(dict.fromkeys(p.lower() for p in parts))
    if not names:
        return None, "give 'all' or a comma-separated list of regions"
    if ALL in names:
        if len(names) > 1:
            return None, "give 'all' or a list of regions, not both"
        return EVERY_REGION, None
    if known:
        unknown = [n for n in names if n not in known_regions()]
        if unknown:
            return None, f"unknown region {unknown[0]!r} (regions are named like us-east-2 or ca-central-1)"
    return Regions(tuple(names)), None


def parse_regions(value: str | Sequence[str], what: str, *, known: bool = True) -> Regions:
    """`value` as Regions; InputError "<what>: <problem>" when it is not a region list."""
    regions, problem = region_list_problem(value, known=known)
    if regions is None:
        raise InputError(f"{what}: {problem}")
    return regions
