"""SageMaker items (lesson steps 6 and 8): two linear-learner training jobs and the RecordIO data.

The training jobs of every scanned region and their analysis (which are the built-in
linear-learner, with which predictor type, where the artifacts are) are derived facts computed
once per run (`ctx.account.job_analysis()`, grader/facts/jobs.py), as is the private bucket
(`ctx.account.private_bucket()`, the S3 items' own decision): every item agrees on both.

When a region (or a job) could not be read, only a `pass` found elsewhere is trusted: a `partial`
or `fail` could have been a `pass` in the unread region, so the item is `error`, naming the region
and the reason.
"""

from __future__ import annotations

import re
import struct
from typing import Any

from pydantic import Field

from checks._common import Params, cannot_tell, failed, partial, passed
from grader.context import Context
from grader.facts.account import Account
from grader.facts.jobs import s3_bucket_of, s3_key_of
from grader.models import CheckResult
from grader.recordio import RECORDIO_MAGIC, read_records, split_recordio
from grader.registry import check

STEP6 = "Lesson step 6 (Intro to Amazon SageMaker Built-in Algorithms)"
STEP8 = "Lesson step 8 (Credit Risk Evaluation with Amazon SageMaker)"

# Budget bounds (cost, not grading thresholds).
DATA_BYTES = 1024 * 1024  # only this prefix of a training data object is fetched and decoded
LISTED_OBJECTS = 1000  # one ListObjectsV2 page
TRAIN_CANDIDATES = 3  # `.data` objects under train/ folders tried when the lesson's key is absent

SAGEMAKER_PERMISSIONS = ["ec2:DescribeRegions", "sagemaker:ListTrainingJobs", "sagemaker:DescribeTrainingJob"]


class RainfallTrainingParams(Params):
    predictor_type: str = "regressor"  # the linear-learner predictor_type the rainfall job must have


class CreditTrainingParams(Params):
    predictor_type: str = "binary_classifier"  # the linear-learner predictor_type the credit job must have


class DataParams(Params):
    feature_dim: int = Field(1, ge=1)  # the rainfall data's number of features


def private_bucket(account: Account) -> tuple[str | None, str]:
    """(the student's private bucket or None, how it was identified): the run's one decision."""
    found = account.private_bucket()
    if found is not None:
        return found.name, found.identified_by
    p = account.settings.params
    return None, (f"no bucket is named by the notebooks, matches {p.private_bucket_patterns} or holds the "
                  f"lesson prefix {p.lesson_prefix!r}")


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
    params=RainfallTrainingParams,
    permissions=[*SAGEMAKER_PERMISSIONS, "s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:ListBucket",
                 "s3:GetObject"],
    remediation=f"{STEP6}: train the built-in linear-learner with `predictor_type=\"regressor\"` and "
    "`output_path=\"s3://<your private bucket>/austin-rainfall-regression/output\"`, and keep the model "
    "artifact (model.tar.gz) in the bucket.",
)
def sagemaker_rainfall_training(ctx: Context, params: RainfallTrainingParams) -> CheckResult:
    """A Completed built-in linear-learner job with predictor_type `predictor_type` (regressor), whose
    output (and model artifact, which must still exist) is in the private bucket. partial: output
    elsewhere or the artifact is gone."""
    account = ctx.account
    analysis = account.job_analysis()
    evidence = analysis.evidence()
    candidates = analysis.with_predictor(params.predictor_type)
    unreadable = analysis.all_unreadable()
    if not candidates:
        evidence["completed_jobs_seen"] = analysis.seen()
        if unreadable:
            return cannot_tell("training jobs", unreadable, evidence)
        return failed(f"No Completed linear-learner training job with predictor_type {params.predictor_type} was "
                      "found.", **evidence)
    bucket, how = private_bucket(account)
    evidence.update(private_bucket=bucket, private_bucket_how=how)
    checked = []
    for job in candidates:
        entry = job.evidence()
        if bucket and job.output_bucket == bucket:
            entry["artifact_exists"] = bool(job.artifact) and account.s3.head_object(
                bucket, s3_key_of(job.artifact)) is not None
            if entry["artifact_exists"]:
                return passed(f"Training job {job.name} ({job.region}) is a Completed linear-learner "
                              f"{params.predictor_type}; its "
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
    return partial(f"Training job {first['job']} is a Completed linear-learner {params.predictor_type}, but its "
                   "output went to "
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
    account = ctx.account
    bucket, how = private_bucket(account)
    lesson_prefix = account.settings.params.lesson_prefix
    evidence: dict[str, Any] = {"private_bucket": bucket, "private_bucket_how": how}
    if not bucket:
        return failed(f"No training data: no private bucket was identified ({how}).", **evidence)
    candidates, listing, looked = _train_objects(account, bucket, lesson_prefix)
    evidence["looked_at"] = looked
    if not candidates:
        return failed(f"No training data in {bucket}: no {lesson_prefix}train/linear_train.data and no "
                      "`.data` object under a train/ folder.", **evidence)
    tried = [(train, *_decode_object(account, bucket, train, params.feature_dim)) for train in candidates[:1]]
    for train in candidates[1:]:  # outside the lesson prefix: the first that decodes, else the first
        if tried[-1][2]["ok"]:
            break
        tried.append((train, *_decode_object(account, bucket, train, params.feature_dim)))
    train, size_read, decoded = next((t for t in tried if t[2]["ok"]), tried[0])
    if len(tried) > 1:
        evidence["train_candidates_decoded"] = {f"s3://{bucket}/{t['Key']}": d["ok"] for t, _, d in tried}
    key = train["Key"]
    test_folder = sibling_test_folder(key)
    if not test_folder.startswith(listing[0]) or len(listing[1]) >= LISTED_OBJECTS:
        listing = (test_folder, account.s3.objects(bucket, test_folder, 50))
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


def _train_objects(account: Account, bucket: str, prefix: str) -> tuple[list[dict[str, Any]], Listing, list[str]]:
    """[the lesson's train object], else the first TRAIN_CANDIDATES `.data` objects under a `train/`
    folder; with the listing they were found in (reused to find the test object) and what was looked at."""
    prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
    lesson_key = f"{prefix}train/linear_train.data"
    under_prefix = account.s3.objects(bucket, prefix, LISTED_OBJECTS)
    found = next((o for o in under_prefix if o["Key"] == lesson_key), None)
    looked = [f"s3://{bucket}/{lesson_key}"]
    if found:
        return [found], (prefix, under_prefix), looked
    listing = under_prefix if not prefix else account.s3.objects(bucket, "", LISTED_OBJECTS)
    looked.append(f"the first {len(listing)} objects of {bucket}, for a .data object under a train/ folder")
    return [o for o in listing if TRAIN_DATA.search(o["Key"])][:TRAIN_CANDIDATES], ("", listing), looked


def _decode_object(account: Account, bucket: str, obj: dict[str, Any], feature_dim: int) -> tuple[int, dict[str, Any]]:
    """(bytes read, the decoding verdict) of the first DATA_BYTES of a listed object."""
    data = account.s3.object_bytes(bucket, obj["Key"], DATA_BYTES) if obj.get("Size", 1) else b""
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
    params=CreditTrainingParams,
    permissions=SAGEMAKER_PERMISSIONS,
    remediation=f"{STEP8}: train the built-in linear-learner with `predictor_type=\"binary_classifier\"` "
    "on the German credit data and let the training job complete.",
)
def sagemaker_credit_training(ctx: Context, params: CreditTrainingParams) -> CheckResult:
    """A Completed built-in linear-learner job with predictor_type `predictor_type` (binary_classifier);
    its final metrics are shown when SageMaker reports them."""
    analysis = ctx.account.job_analysis()
    evidence = analysis.evidence()
    jobs = analysis.with_predictor(params.predictor_type)
    if jobs:
        job = jobs[0]
        return passed(f"Training job {job.name} ({job.region}) is a Completed linear-learner "
                      f"{params.predictor_type.replace('_', ' ')}.",
                      **job.evidence(), final_metrics=job.final_metrics, other_matching_jobs=len(jobs) - 1,
                      **evidence)
    evidence["completed_jobs_seen"] = analysis.seen()
    unreadable = analysis.all_unreadable()
    if unreadable:
        return cannot_tell("training jobs", unreadable, evidence)
    return failed(f"No Completed linear-learner training job with predictor_type {params.predictor_type} was found.",
                  **evidence)
