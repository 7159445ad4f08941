"""SageMaker items (lesson steps 6 and 8): two linear-learner training jobs and the RecordIO data.

Jobs are searched in every scanned region (the rubric's `regions`, default `all`). The regions are
listed once per run and shared with the clean-up items (`region_scan`, memoised), and the job
analysis (`job_analysis`) describes at most MAX_JOBS_DESCRIBED `Completed` jobs, linear-learner
names and newest first, for all three items together (an `InProgress` job is never described: it
cannot pass, and the clean-up item reads its status from the listing). The private bucket is the
S3 items' own decision (`checks.s3.private_bucket`).

When a region (or a job) could not be read, only a `pass` found elsewhere is trusted: a `partial`
or `fail` could have been a `pass` in the unread region, so the item is `error`, naming the region
and the reason.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import Field

from checks import s3
from checks._common import Params, failed, partial, passed, result, when
from grader.context import Context
from grader.models import CheckResult, Status
from grader.recordio import RECORDIO_MAGIC, read_records, split_recordio
from grader.registry import check

STEP6 = "Lesson step 6 (Intro to Amazon SageMaker Built-in Algorithms)"
STEP8 = "Lesson step 8 (Credit Risk Evaluation with Amazon SageMaker)"
GRADER_ACCESS = ("Not the student's fault as far as we know: check the grader's access (see `grader access-policy`) "
                 "and grade again.")

# Budget bounds (cost, not grading thresholds): a student with many jobs must not multiply calls.
MAX_JOBS_DESCRIBED = 20
DATA_BYTES = 1024 * 1024  # only this prefix of a training data object is fetched and decoded
LISTED_OBJECTS = 1000  # one ListObjectsV2 page
TRAIN_CANDIDATES = 3  # `.data` objects under train/ folders tried when the lesson's key is absent

# The built-in algorithm lives in an AWS-owned ECR registry of each region, e.g.
# 404615174143.dkr.ecr.us-east-2.amazonaws.com/linear-learner:1 (tags `1` or `latest`).
LL_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/linear-learner"
    r"(?::[\w.-]+|@sha256:[0-9a-f]{64})?$"
)
SAGEMAKER_PERMISSIONS = ["ec2:DescribeRegions", "sagemaker:ListTrainingJobs", "sagemaker:DescribeTrainingJob"]


class ScanParams(Params):
    regions: str | list[str] = "all"


class BucketParams(s3.BucketParams):
    """What identifies the private bucket, exactly as the S3 items declare it, and the regions."""

    regions: str | list[str] = "all"


class DataParams(s3.BucketParams):
    """What identifies the private bucket, and the rainfall data's number of features."""

    feature_dim: int = Field(1, ge=1)


# -- regions -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RegionScan:
    """One SageMaker listing over every scanned region."""

    what: str
    regions: list[str]
    skipped: list[str]
    how: str
    found: dict[str, list[dict[str, Any]]]
    unreadable: dict[str, str]

    def items(self) -> list[tuple[str, dict[str, Any]]]:
        return [(region, x) for region in self.regions for x in self.found.get(region, [])]

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"regions_scanned": self.regions, "regions_how": self.how,
                               "regions_skipped_not_enabled": self.skipped}
        if self.unreadable:
            out["regions_unreadable"] = {f"{self.what} in {r}": why for r, why in sorted(self.unreadable.items())}
        return out


def region_scan(ctx: Context, params: ScanParams, fact: str) -> RegionScan:
    """`ctx.aws.sagemaker.<fact>(region)` over the scanned regions, once per run (memoised)."""
    regions, skipped, how = ctx.scan_regions(params.regions)

    def compute() -> RegionScan:
        values, errors = ctx.aws.across(regions, getattr(ctx.aws.sagemaker, fact))
        label = fact.replace("_", " ")
        return RegionScan(label, list(regions), list(skipped), how, values, errors)

    return ctx.memo(("sagemaker-scan", fact, tuple(regions)), compute)


def cannot_tell(what: str, unreadable: dict[str, str], evidence: dict[str, Any]) -> CheckResult:
    """`error`: the verdict depends on something that could not be read (named with the reason)."""
    where = "; ".join(f"{k}: {v}" for k, v in sorted(unreadable.items()))
    evidence = {**evidence, "could_not_read": unreadable}
    return result(Status.ERROR, f"Could not be determined: {what} could not be read ({where}). A person must look "
                  "at this item.", remediation=GRADER_ACCESS, **evidence)


# -- training jobs -------------------------------------------------------------------------------
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
            builtin_linear_learner=is_builtin_linear_learner(image, account_id),
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
        regions = {f"training jobs in {r}": why for r, why in self.scan.unreadable.items()}
        return {**regions, **self.unreadable}

    def evidence(self) -> dict[str, Any]:
        out = self.scan.evidence()
        out["completed_jobs_listed"] = self.completed
        out["jobs_described"] = len(self.jobs) + len(self.unreadable)
        if self.unreadable:
            out["jobs_unreadable"] = self.unreadable
        if self.completed > out["jobs_described"]:
            out["jobs_not_described"] = (f"{self.completed - out['jobs_described']} older Completed jobs were not "
                                         f"described (at most {MAX_JOBS_DESCRIBED}, linear-learner names first)")
        return out


def is_builtin_linear_learner(image: str | None, account_id: str | None = None) -> bool:
    """The built-in linear-learner image: AWS's registry, not an image in the student's own account."""
    m = LL_IMAGE.match(image or "")
    return bool(m) and m.group("account") != account_id


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


def _created(summary: dict[str, Any]) -> float:
    value = summary.get("CreationTime")
    return value.timestamp() if isinstance(value, datetime) else 0.0


def job_analysis(ctx: Context, params: ScanParams) -> JobAnalysis:
    """Every region's training jobs, and the Completed ones described (bounded), once per run."""
    scan = region_scan(ctx, params, "training_jobs")

    def compute() -> JobAnalysis:
        done = [(r, s) for r, s in scan.items() if s.get("TrainingJobStatus") == "Completed"]
        done.sort(key=lambda rs: ("linear-learner" not in rs[1]["TrainingJobName"].lower(), -_created(rs[1])))
        chosen = {f"{r}/{s['TrainingJobName']}": r for r, s in done[:MAX_JOBS_DESCRIBED]}

        def describe(key: str) -> dict[str, Any]:
            return ctx.aws.sagemaker.training_job(chosen[key], key.split("/", 1)[1])

        values, errors = ctx.aws.across(list(chosen), describe)
        jobs = [Job.from_description(chosen[k], d, ctx.aws.account_id) for k, d in values.items()]
        unreadable = {f"training job {k}": why for k, why in errors.items()}
        return JobAnalysis(scan=scan, jobs=jobs, completed=len(done), unreadable=unreadable)

    return ctx.memo(("sagemaker-jobs", tuple(scan.regions)), compute)


def _jobs_seen(analysis: JobAnalysis, limit: int = 20) -> list[dict[str, Any]]:
    return [{"job": j.name, "region": j.region, "image": j.image, "predictor_type": j.predictor_type}
            for j in analysis.jobs[:limit]]


# -- the private bucket --------------------------------------------------------------------------
def private_bucket(ctx: Context, params: BucketParams) -> tuple[str | None, str]:
    """(the student's private bucket or None, how it was identified): the S3 items' own decision
    (`checks.s3.private_bucket`, memoised), so every item agrees on which bucket is private."""
    found = s3.private_bucket(ctx, params)
    if found is not None:
        return found.name, found.identified_by
    return None, (f"no bucket is named by the notebooks, matches {params.private_bucket_patterns} or holds the "
                  f"lesson prefix {params.lesson_prefix!r}")


# -- RecordIO ------------------------------------------------------------------------------------
def complete_records(data: bytes) -> tuple[int, bool]:
    """(length of the prefix of `data` made of whole RecordIO records, whether it starts like RecordIO).
    The prefix may end inside a record (only part of the object was fetched): that tail is dropped."""
    end = split_recordio(data)[1]
    return end, end > 0 or (len(data) >= 4 and struct.unpack_from("<I", data)[0] == RECORDIO_MAGIC)


def _tensor(value: Any) -> list[float]:
    kind = value.WhichOneof("value")
    return list(getattr(value, kind).values) if kind else []


def decode_recordio(data: bytes, feature_dim: int) -> dict[str, Any]:
    """Decode with the `aialgs.data.Record` message (grader.recordio); say whether every record has `feature_dim`
    features and a label. `ok` is the verdict; the rest is evidence."""
    end, looks_like = complete_records(data)
    if not looks_like:
        return {"ok": False, "problem": "not RecordIO-protobuf (no RecordIO header at the start; CSV or other "
                "format?)", "first_bytes": data[:24].decode("latin-1")}
    if end == 0:
        return {"ok": False, "problem": "no complete record in the bytes read"}
    try:
        records = read_records(data[:end])
    except Exception as exc:  # noqa: BLE001 - any decoding failure is the verdict "does not decode"
        return {"ok": False, "problem": f"RecordIO framing, but the records do not decode ({type(exc).__name__})"}
    dims = sorted({len(_tensor(r.features["values"])) if "values" in r.features else 0 for r in records})
    unlabelled = sum(1 for r in records if "values" not in r.label or not _tensor(r.label["values"]))
    out = {"records_decoded": len(records), "feature_dims": dims, "records_without_label": unlabelled}
    if dims != [feature_dim]:
        return {"ok": False, "problem": f"records have feature dimension {dims}, expected {feature_dim}", **out}
    if unlabelled:
        return {"ok": False, "problem": f"{unlabelled} records have no label", **out}
    return {"ok": True, **out}


# -- checks --------------------------------------------------------------------------------------
@check(
    "sagemaker-rainfall-training",
    title="A linear-learner regressor was trained into the private bucket",
    category="SageMaker",
    params=BucketParams,
    permissions=[*SAGEMAKER_PERMISSIONS, "s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:ListBucket",
                 "s3:GetObject"],
    remediation=f"{STEP6}: train the built-in linear-learner with `predictor_type=\"regressor\"` and "
    "`output_path=\"s3://<your private bucket>/austin-rainfall-regression/output\"`, and keep the model "
    "artifact (model.tar.gz) in the bucket.",
)
def sagemaker_rainfall_training(ctx: Context, params: BucketParams) -> CheckResult:
    """A Completed built-in linear-learner job with predictor_type regressor, whose output (and model
    artifact, which must still exist) is in the private bucket. partial: output elsewhere or the
    artifact is gone."""
    analysis = job_analysis(ctx, params)
    evidence = analysis.evidence()
    candidates = analysis.with_predictor("regressor")
    unreadable = analysis.all_unreadable()
    if not candidates:
        evidence["completed_jobs_seen"] = _jobs_seen(analysis)
        if unreadable:
            return cannot_tell("training jobs", unreadable, evidence)
        return failed("No Completed linear-learner training job with predictor_type regressor was found.",
                      **evidence)
    bucket, how = private_bucket(ctx, params)
    evidence.update(private_bucket=bucket, private_bucket_how=how)
    checked = []
    for job in candidates:
        entry = job.evidence()
        if bucket and job.output_bucket == bucket:
            entry["artifact_exists"] = bool(job.artifact) and ctx.aws.s3.head_object(
                bucket, s3_key_of(job.artifact)) is not None
            if entry["artifact_exists"]:
                return passed(f"Training job {job.name} ({job.region}) is a Completed linear-learner regressor; its "
                              f"model artifact is in the private bucket {bucket}.", **entry, **evidence)
        checked.append(entry)
    evidence["regressor_jobs"] = checked
    if unreadable:
        return cannot_tell("training jobs", unreadable, evidence)
    in_bucket = [c for c in checked if bucket and s3_bucket_of(c["model_artifact"] or c["output_path"]) == bucket]
    if in_bucket:
        job = in_bucket[0]
        return partial(f"Training job {job['job']} wrote into the private bucket {bucket}, but its model artifact "
                       f"{job['model_artifact']} no longer exists.", **evidence)
    first = checked[0]
    where = f"not the private bucket {bucket}" if bucket else f"and no private bucket was identified ({how})"
    return partial(f"Training job {first['job']} is a Completed linear-learner regressor, but its output went to "
                   f"{first['output_path']}, {where}.", **evidence)


@check(
    "sagemaker-rainfall-data",
    title="The rainfall training and test data are in the private bucket as RecordIO-protobuf",
    category="SageMaker",
    params=DataParams,
    permissions=["s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:ListBucket", "s3:GetObject"],
    remediation=f"{STEP6}: encode X_train/y_train with `smac.write_numpy_to_dense_tensor` and upload them to "
    "`s3://<your private bucket>/austin-rainfall-regression/train/linear_train.data`, and the test data to "
    "`.../test/linear_test.data`.",
)
def sagemaker_rainfall_data(ctx: Context, params: DataParams) -> CheckResult:
    """The private bucket holds `<lesson_prefix>train/linear_train.data` (else the first `.data` object
    under a `train/` folder) that decodes as RecordIO-protobuf with feature dimension `feature_dim` and a
    label, and a `.data` object in the matching `test/` folder. partial: no test object, or the train
    object does not decode. Only the first DATA_BYTES of the object are fetched and decoded.

    Without the lesson's key, the first TRAIN_CANDIDATES `.data` objects under `train/` folders are
    tried in order and the first that decodes is taken (else the first): the credit notebook's data
    (37 features) may come first in the listing."""
    bucket, how = private_bucket(ctx, params)
    evidence: dict[str, Any] = {"private_bucket": bucket, "private_bucket_how": how}
    if not bucket:
        return failed(f"No training data: no private bucket was identified ({how}).", **evidence)
    candidates, listing, looked = _train_objects(ctx, bucket, params.lesson_prefix)
    evidence["looked_at"] = looked
    if not candidates:
        return failed(f"No training data in {bucket}: no {params.lesson_prefix}train/linear_train.data and no "
                      "`.data` object under a train/ folder.", **evidence)
    tried = [(train, *_decode_object(ctx, bucket, train, params.feature_dim)) for train in candidates[:1]]
    for train in candidates[1:]:  # outside the lesson prefix: the first that decodes, else the first
        if tried[-1][2]["ok"]:
            break
        tried.append((train, *_decode_object(ctx, bucket, train, params.feature_dim)))
    train, size_read, decoded = next((t for t in tried if t[2]["ok"]), tried[0])
    if len(tried) > 1:
        evidence["train_candidates_decoded"] = {f"s3://{bucket}/{t['Key']}": d["ok"] for t, _, d in tried}
    key = train["Key"]
    test_folder = sibling_test_folder(key)
    if not test_folder.startswith(listing[0]) or len(listing[1]) >= LISTED_OBJECTS:
        listing = (test_folder, ctx.aws.s3.objects(bucket, test_folder, 50))
    tests = [o["Key"] for o in listing[1] if o["Key"].startswith(test_folder) and o["Key"].endswith(".data")]
    evidence.update(train_object=f"s3://{bucket}/{key}", train_size=train.get("Size"), bytes_decoded=size_read,
                    decoded=decoded, test_folder=f"s3://{bucket}/{test_folder}", test_objects=tests[:10])
    problems = [] if decoded["ok"] else [f"the train object does not decode: {decoded['problem']}"]
    if not tests:
        problems.append(f"there is no `.data` test object in {test_folder}")
    if problems:
        return partial(f"Training data s3://{bucket}/{key} found, but " + "; and ".join(problems) + ".", **evidence)
    return passed(f"s3://{bucket}/{key} decodes as RecordIO-protobuf ({decoded['records_decoded']} records, "
                  f"feature dimension {params.feature_dim}, labelled) and test data exists.", **evidence)


TRAIN_DATA = re.compile(r"(^|/)train/(.+/)?[^/]+\.data$")
Listing = tuple[str, list[dict[str, Any]]]  # (prefix, objects listed under it)


def _train_objects(ctx: Context, bucket: str, prefix: str) -> tuple[list[dict[str, Any]], Listing, list[str]]:
    """[the lesson's train object], else the first TRAIN_CANDIDATES `.data` objects under a `train/`
    folder; with the listing they were found in (reused to find the test object) and what was looked at."""
    prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
    lesson_key = f"{prefix}train/linear_train.data"
    under_prefix = ctx.aws.s3.objects(bucket, prefix, LISTED_OBJECTS)
    found = next((o for o in under_prefix if o["Key"] == lesson_key), None)
    looked = [f"s3://{bucket}/{lesson_key}"]
    if found:
        return [found], (prefix, under_prefix), looked
    listing = under_prefix if not prefix else ctx.aws.s3.objects(bucket, "", LISTED_OBJECTS)
    looked.append(f"the first {len(listing)} objects of {bucket}, for a .data object under a train/ folder")
    return [o for o in listing if TRAIN_DATA.search(o["Key"])][:TRAIN_CANDIDATES], ("", listing), looked


def _decode_object(ctx: Context, bucket: str, obj: dict[str, Any], feature_dim: int) -> tuple[int, dict[str, Any]]:
    """(bytes read, the decoding verdict) of the first DATA_BYTES of a listed object."""
    data = ctx.aws.s3.object_bytes(bucket, obj["Key"], DATA_BYTES) if obj.get("Size", 1) else b""
    if data is None:
        return 0, {"ok": False, "problem": "the object disappeared while grading"}
    if not data:
        return 0, {"ok": False, "problem": "the object is empty"}
    return len(data), decode_recordio(data, feature_dim)


def sibling_test_folder(train_key: str) -> str:
    """`a/b/train/x.data` -> `a/b/test/`: the sibling of the last `train` folder in the key."""
    parts = train_key.split("/")[:-1]
    at = len(parts) - 1 - parts[::-1].index("train")
    return "/".join([*parts[:at], "test"]) + "/"


@check(
    "sagemaker-credit-training",
    title="A linear-learner binary classifier was trained (credit risk)",
    category="SageMaker",
    params=ScanParams,
    permissions=SAGEMAKER_PERMISSIONS,
    remediation=f"{STEP8}: train the built-in linear-learner with `predictor_type=\"binary_classifier\"` "
    "on the German credit data and let the training job complete.",
)
def sagemaker_credit_training(ctx: Context, params: ScanParams) -> CheckResult:
    """A Completed built-in linear-learner job with predictor_type binary_classifier; its final metrics
    are shown when SageMaker reports them."""
    analysis = job_analysis(ctx, params)
    evidence = analysis.evidence()
    jobs = analysis.with_predictor("binary_classifier")
    if jobs:
        job = jobs[0]
        return passed(f"Training job {job.name} ({job.region}) is a Completed linear-learner binary classifier.",
                      **job.evidence(), final_metrics=job.final_metrics, other_matching_jobs=len(jobs) - 1,
                      **evidence)
    evidence["completed_jobs_seen"] = _jobs_seen(analysis)
    unreadable = analysis.all_unreadable()
    if unreadable:
        return cannot_tell("training jobs", unreadable, evidence)
    return failed("No Completed linear-learner training job with predictor_type binary_classifier was found.",
                  **evidence)
