"""Rubric-level params: what the derived facts need, decided once per run for every item.

These keys live in the rubric's shared `params:` block (see grader/rubric.py for what happens
when an item sets one). Identification of the two buckets and the region scans depend on them,
so every S3, SageMaker and clean-up item sees the same private bucket and the same regions.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from grader.aws.regions import Regions, region_list_problem
from grader.notebooks.fingerprints import FULL_DECIMALS, is_ratio_of_counts
from grader.registry import Params

_FULL_FIGURE = re.compile(r"-?\d{1,6}\.\d{" + str(FULL_DECIMALS) + r",20}(?:e-?\d{1,3})?")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}|\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}")
_JOB_NAME = re.compile(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,62}")
_IMAGE = re.compile(r"image/(?:png|jpeg|svg\+xml|gif):[0-9a-f]{64}")
_FORMATS = {  # a KnownSolution field: (its entries' format, the error's kind, what an entry must be)
    "jobs": (_JOB_NAME, "job", "a training-job name"),
    "timestamps": (_TIMESTAMP, "timestamp", "a log time stamp (YYYY-MM-DD HH:MM:SS or MM/DD/YYYY HH:MM:SS)"),
    "images": (_IMAGE, "image", "an image digest (image/png:<64 hex digits>)"),
}


class KnownSolution(BaseModel):
    """The fingerprints of one of the course's published runs (grader.notebooks.fingerprints):
    figures as printed to full precision, SDK-generated training-job names, training-log time
    stamps, the digests of its plots (`image/png:<sha256 of the base64 text>`). A notebook
    holding any of them is flagged `known-solution`. Never code: the starter code is every
    student's. `source` says where the run was found, for the TA who reads the flag."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)  # e.g. "course run 2020-03 (rainfall)"
    notebook: Literal["rainfall", "credit"]
    figures: list[str] = []
    jobs: list[str] = []
    timestamps: list[str] = []
    images: list[str] = []
    source: str = ""

    @field_validator("figures")
    @classmethod
    def _figures(cls, value: list[str]) -> list[str]:
        for fig in value:
            if not _FULL_FIGURE.fullmatch(str(fig)):
                raise PydanticCustomError("figure", f"{fig!r} is not a figure printed to full precision (at least "
                                          f"{FULL_DECIMALS} decimals, as a string): too coarse to fingerprint a run")
            if is_ratio_of_counts(str(fig)):
                raise PydanticCustomError("figure", f"{fig!r} is a ratio of small counts (e.g. a precision or a recall): "
                                          "many honest runs print it, so it cannot fingerprint a run")
        return value

    @field_validator("jobs", "timestamps", "images")
    @classmethod
    def _formats(cls, value: list[str], info: Any) -> list[str]:
        pattern, kind, expected = _FORMATS[info.field_name]
        for entry in value:
            if not pattern.fullmatch(entry):
                raise PydanticCustomError(kind, f"{entry!r} is not {expected}")
        return value

    def keys(self) -> set[str]:
        """Its fingerprints as grader.notebooks.fingerprints.Fingerprint keys."""
        return ({f"figure:{f}" for f in self.figures} | {f"job:{j}" for j in self.jobs}
                | {f"timestamp:{t}" for t in self.timestamps} | {f"image:{i}" for i in self.images})


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
    sandbox_output_mb: int = Field(16, ge=1, le=1024)  # a notebook's outputs kept; past it the run stops (error)
    # Integrity: the course's published runs (data a course fills; see KnownSolution), and the
    # class-level shared-work pass of `batch` (grader.integrity).
    known_solutions: list[KnownSolution] = []
    shared_work_min_evidence: int = Field(2, ge=1, le=100)  # fingerprints two students must share to be flagged
    shared_work_max_share: float = Field(0.25, ge=0, le=1)  # a fingerprint in more of the class (and > 2) is common

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
