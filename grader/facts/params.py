"""Rubric-level params: what the derived facts need, decided once per run for every item.

These keys live in the rubric's shared `params:` block (see grader/rubric.py for what happens
when an item sets one). Identification of the two buckets and the region scans depend on them,
so every S3, SageMaker and clean-up item sees the same private bucket and the same regions.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from grader.aws.regions import Regions, region_list_problem
from grader.registry import Params


class RunParams(Params):
    """The rubric-level params (defaults: the lesson's)."""

    private_bucket_patterns: list[str] = ["sm-models-*"]  # private bucket, route (2)
    public_bucket_patterns: list[str] = ["public-share-*"]  # public bucket, route (1)
    lesson_prefix: str = "austin-rainfall-regression/"  # private bucket route (3); the training data's folder
    public_region: str = "ca-central-1"  # of two public-pattern buckets, the one here is preferred
    regions: str | list[str] = "all"  # the regions scanned: `all` or names
    # Reproduction (--reproduce): the sandbox's bounds and the seeds an unseeded split is re-run under.
    reproduce_seeds: int = Field(5, ge=1, le=50)
    cell_timeout_s: float = Field(180.0, gt=0, le=3600)
    notebook_timeout_s: float = Field(600.0, gt=0, le=7200)
    sandbox_memory_mb: int = Field(4096, ge=256, le=65536)

    @field_validator("regions", mode="before")
    @classmethod
    def _regions(cls, value: Any) -> Any:
        if not isinstance(value, str | list):
            return value  # the type error says what is expected
        regions, problem = region_list_problem(value)
        if regions is None:
            raise PydanticCustomError("regions", problem or "not a region list")
        return "all" if regions.all else list(regions.names)

    @property
    def scan_regions(self) -> Regions:
        return Regions(()) if self.regions == "all" else Regions(tuple(self.regions))


RUN_KEYS = frozenset(RunParams.model_fields)


class RunSettings(BaseModel):
    """What one run's derived facts are computed with: the rubric-level params and the regions
    actually scanned (the command's or the roster's `--regions` win over the rubric's)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    params: RunParams = RunParams()
    regions: Regions = Regions()
    regions_from: str = "rubric"  # "rubric" | "command"

    @classmethod
    def make(cls, params: RunParams, regions_override: Regions | None = None) -> RunSettings:
        if regions_override is not None:
            return cls(params=params, regions=regions_override, regions_from="command")
        return cls(params=params, regions=params.scan_regions, regions_from="rubric")
