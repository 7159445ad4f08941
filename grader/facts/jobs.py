"""Training-job analysis (a derived fact, once per run): which jobs, which are the built-in
linear-learner with which predictor type, and where their artifacts are.

The analysis describes `Completed` jobs, linear-learner names and newest first, a round at a
time until one built-in job of each predictor type the lesson trains is found (at most
MAX_JOBS_DESCRIBED), for every item together (an `InProgress` job is never described: it cannot pass,
and the clean-up item reads its status from the listing). Jobs or regions that could not be read
are kept with the reason (`all_unreadable`), so a check can say `error` instead of `fail`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from grader.aws.facts import SageMakerFacts
from grader.facts.builtin_images import LINEAR_LEARNER_REGISTRIES
from grader.facts.regions import RegionScan
from grader.facts.text import stamp, when

# Budget bounds (cost, not grading thresholds): Completed jobs are described a round at a time,
# linear-learner names and newest first, until a built-in job of each wanted predictor type is
# found or MAX_JOBS_DESCRIBED were described (a student who re-ran one notebook 21 times must
# still have the other notebook's job found; one with thousands of jobs must not cost thousands).
DESCRIBE_ROUND = 20
MAX_JOBS_DESCRIBED = 200
WANTED_PREDICTORS = ("regressor", "binary_classifier")

# The built-in algorithm lives in an AWS-owned ECR registry of each region, e.g.
# 404615174143.dkr.ecr.us-east-2.amazonaws.com/linear-learner:1 (tags `1` or `latest`).
LL_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/linear-learner"
    r"(?::[\w.-]+|@sha256:[0-9a-f]{64})?$"
)


def is_builtin_linear_learner(image: str | None, account_id: str | None = None, region: str | None = None) -> bool:
    """The built-in linear-learner image: in the registry AWS publishes for the image's region
    (grader.facts.builtin_images), that region being the job's own when `region` is given; never
    an image in the student's own account. An unknown region is not built-in."""
    m = LL_IMAGE.match(image or "")
    if not m or m.group("account") == account_id:
        return False
    image_region = m.group("region")
    if region is not None and image_region != region:
        return False
    return LINEAR_LEARNER_REGISTRIES.get(image_region) == m.group("account")


def _hyperparameter(hps: dict[str, str], name: str) -> str | None:
    """A hyperparameter's value; SDK versions send it plain or JSON-quoted (`"regressor"`)."""
    value = hps.get(name)
    return None if value is None else str(value).strip().strip('"').strip().lower()


def s3_bucket_of(uri: str | None) -> str | None:
    if not uri or not uri.startswith("s3://"):
        return None
    return uri[5:].split("/", 1)[0] or None


def s3_key_of(uri: str) -> str:
    return uri[5:].split("/", 1)[1] if "/" in uri[5:] else ""


@dataclass(frozen=True)
class Job:
    region: str
    name: str
    created: str | None
    image: str | None
    builtin_linear_learner: bool
    predictor_type: str | None
    output_path: str | None
    artifact: str | None
    final_metrics: list[dict[str, Any]]

    @classmethod
    def from_description(cls, region: str, d: dict[str, Any], account_id: str | None) -> Job:
        image = (d.get("AlgorithmSpecification") or {}).get("TrainingImage")
        return cls(
            region=region,
            name=d["TrainingJobName"],
            created=when(d.get("CreationTime")),
            image=image,
            builtin_linear_learner=is_builtin_linear_learner(image, account_id, region),
            predictor_type=_hyperparameter(d.get("HyperParameters") or {}, "predictor_type"),
            output_path=(d.get("OutputDataConfig") or {}).get("S3OutputPath"),
            artifact=(d.get("ModelArtifacts") or {}).get("S3ModelArtifacts"),
            final_metrics=[{"metric": m.get("MetricName"), "value": m.get("Value")}
                           for m in d.get("FinalMetricDataList") or []],
        )

    @property
    def output_bucket(self) -> str | None:
        return s3_bucket_of(self.artifact or self.output_path)

    def evidence(self) -> dict[str, Any]:
        return {"job": self.name, "region": self.region, "created": self.created, "image": self.image,
                "builtin_linear_learner": self.builtin_linear_learner, "predictor_type": self.predictor_type,
                "output_path": self.output_path, "model_artifact": self.artifact}


@dataclass
class JobAnalysis:
    scan: RegionScan
    jobs: list[Job] = field(default_factory=list)  # the Completed jobs described
    completed: int = 0  # Completed jobs listed in all regions
    unreadable: dict[str, str] = field(default_factory=dict)  # what could not be read -> why

    def with_predictor(self, predictor_type: str) -> list[Job]:
        return [j for j in self.jobs if j.builtin_linear_learner and j.predictor_type == predictor_type]

    def all_unreadable(self) -> dict[str, str]:
        return {**self.scan.unreadable_named(), **self.unreadable}

    def seen(self, limit: int = 20) -> list[dict[str, Any]]:
        return [{"job": j.name, "region": j.region, "image": j.image, "predictor_type": j.predictor_type}
                for j in self.jobs[:limit]]

    def evidence(self) -> dict[str, Any]:
        out = self.scan.evidence()
        out["completed_jobs_listed"] = self.completed
        out["jobs_described"] = len(self.jobs) + len(self.unreadable)
        if self.unreadable:
            out["jobs_unreadable"] = self.unreadable
        if self.completed > out["jobs_described"]:
            out["jobs_not_described"] = (f"{self.completed - out['jobs_described']} older Completed jobs were not "
                                         "described (newest and linear-learner names first, until a job of each "
                                         f"predictor type was found; at most {MAX_JOBS_DESCRIBED})")
        return out


Across = Callable[[list[str], Callable[[str], Any]], tuple[dict[str, Any], dict[str, str]]]


def analyse_jobs(scan: RegionScan, sagemaker: SageMakerFacts, across: Across, account_id: str | None,
                 wanted: tuple[str, ...] = WANTED_PREDICTORS) -> JobAnalysis:
    """Describe the Completed jobs of `scan`, linear-learner names and newest first, a round of
    DESCRIBE_ROUND at a time, until a built-in job of every `wanted` predictor type is found or
    MAX_JOBS_DESCRIBED were described."""
    done = [(r, s) for r, s in scan.items() if s.get("TrainingJobStatus") == "Completed"]
    done.sort(key=lambda rs: ("linear-learner" not in rs[1]["TrainingJobName"].lower(), -stamp(rs[1].get("CreationTime"))))
    order = [(f"{r}/{s['TrainingJobName']}", r) for r, s in done[:MAX_JOBS_DESCRIBED]]
    regions = dict(order)

    def describe(key: str) -> dict[str, Any]:
        return sagemaker.training_job(regions[key], key.split("/", 1)[1])

    jobs: list[Job] = []
    unreadable: dict[str, str] = {}
    for start in range(0, len(order), DESCRIBE_ROUND):
        keys = [k for k, _ in order[start:start + DESCRIBE_ROUND]]
        values, errors = across(keys, describe)
        jobs.extend(Job.from_description(regions[k], values[k], account_id) for k in keys if k in values)
        unreadable.update({f"training job {k}": why for k, why in errors.items()})
        found = {j.predictor_type for j in jobs if j.builtin_linear_learner}
        if all(w in found for w in wanted):
            break
    return JobAnalysis(scan=scan, jobs=jobs, completed=len(done), unreadable=unreadable)
