"""The regions of a run and the SageMaker listings over them (derived facts, once per run).

`choose_regions` decides which regions are scanned: the named ones, or with `all` every region
where SageMaker is offered that the account has enabled (the others offered are named as
skipped; when the enabled regions cannot be read, every offered region is scanned and the
reason is said). A `RegionScan` is one listing over those regions: what was found per region,
and the regions that could not be read with the reason (never an empty list in their place).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.aws.facts import Ec2Facts
from grader.aws.regions import Regions
from grader.errors import FactError


@dataclass(frozen=True)
class RegionChoice:
    scan: tuple[str, ...]  # the regions scanned
    skipped: tuple[str, ...]  # offered regions skipped as not enabled
    how: str  # how the list was made, for evidence


def choose_regions(regions: Regions, ec2: Ec2Facts) -> RegionChoice:
    if not regions.all:
        return RegionChoice(regions.names, (), "the regions the rubric or command names")
    offered = ec2.offered_regions("sagemaker")
    try:
        enabled = ec2.enabled_regions()
    except FactError as exc:
        return RegionChoice(tuple(offered), (), f"every region where SageMaker is offered (enabled regions unknown: "
                            f"{exc.reason})")
    return RegionChoice(tuple(r for r in offered if r in enabled), tuple(r for r in offered if r not in enabled),
                        "every region where SageMaker is offered and the account has enabled")


@dataclass(frozen=True)
class RegionScan:
    """One SageMaker listing over every scanned region."""

    what: str  # e.g. "training jobs"
    regions: list[str]
    skipped: list[str]
    how: str
    found: dict[str, list[dict[str, Any]]]
    unreadable: dict[str, str]  # region -> why it could not be listed

    def items(self) -> list[tuple[str, dict[str, Any]]]:
        """(region, entry) for every entry found, region by region in scan order."""
        return [(region, x) for region in self.regions for x in self.found.get(region, [])]

    def unreadable_named(self) -> dict[str, str]:
        """{"<what> in <region>": why} for the regions that could not be listed."""
        return {f"{self.what} in {r}": why for r, why in sorted(self.unreadable.items())}

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"regions_scanned": self.regions, "regions_how": self.how,
                               "regions_skipped_not_enabled": self.skipped}
        if self.unreadable:
            out["regions_unreadable"] = self.unreadable_named()
        return out
