"""The linear-learner stand-in: botocore hooks that make a fake AWS (moto) train and predict.

- `after-call.sagemaker.CreateTrainingJob`: moto only records the job (`Completed` at once, no
  artifact). For a linear-learner image (any registry account) the stand-in describes the job
  (public API), reads the `train` channel from the fake S3 (RecordIO-protobuf, a `.amazon.manifest`
  from `record_set`, or CSV with the label first for `text/csv`), fits scikit-learn (`fit.py`),
  writes `model.tar.gz` (a JSON model inside) where DescribeTrainingJob says the artifact is, and
  writes a training log to CloudWatch Logs (`/aws/sagemaker/TrainingJobs`, stream
  `<job>/algo-1-<time>`) that the SDK's `logs=True` prints. moto's FinalMetricDataList is left as
  moto makes it: changing it would need moto internals; the metrics are in the log instead.
  Data linear-learner would reject raises `StandInTrainingFailed` from the call, as `fit()` fails.
- `before-call.sagemaker-runtime.InvokeEndpoint`: moto never checks the endpoint, answers a
  static body and cannot even decode a binary (RecordIO) request, so the stand-in answers before
  anything is sent: endpoint -> endpoint config -> model ->
  ModelDataUrl -> the JSON model, scores the body and answers in linear-learner's formats
  (`formats.py`), honouring Accept; an unknown or deleted endpoint gets AWS's 400
  ValidationError ("Endpoint X of account Y not found.").

`install()` adds both hooks to botocore's built-in handlers, so every session made afterwards
(the SDK's, boto3's default one, the student's) has them; `uninstall()` removes them.
All AWS calls the hooks make go to the same fake through public boto3 calls.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import threading
import time
from typing import Any
from urllib.parse import unquote, urlparse

from . import fit, formats

LOG_GROUP = "/aws/sagemaker/TrainingJobs"
MODEL_FILE = "grader-standin-model.json"
STATS: dict[str, Any] = {"training_s": 0.0, "jobs": [], "invocations": 0}
_lock = threading.Lock()
_sessions: dict[str, Any] = {}


class StandInTrainingFailed(RuntimeError):
    """The training data is something linear-learner would reject."""


def _client(service: str, region: str):
    with _lock:
        if region not in _sessions:
            import boto3

            _sessions[region] = boto3.session.Session(region_name=region)
        return _sessions[region].client(service, region_name=region)


def is_linear_learner(image: str) -> bool:
    return bool(re.search(r"/linear-learner(?::|@|$)", image or ""))


def _split_s3(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")


def _channel_objects(s3, channel: dict) -> list[tuple[str, str]]:
    """(bucket, key) of every object a channel names (S3Prefix or ManifestFile)."""
    src = channel["DataSource"]["S3DataSource"]
    bucket, key = _split_s3(src["S3Uri"])
    if src.get("S3DataType") == "ManifestFile":
        manifest = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        prefix_bucket, prefix = _split_s3(manifest[0]["prefix"])
        return [(prefix_bucket, prefix + rel) for rel in manifest[1:]]
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key):
        keys += [(bucket, o["Key"]) for o in page.get("Contents", []) if not o["Key"].endswith("/")]
    return keys


def read_channel(s3, channel: dict):
    """(features, labels) of a channel's objects, concatenated."""
    import numpy as np

    kind = formats.media_type(channel.get("ContentType")) or formats.RECORDIO
    parts_x, parts_y = [], []
    objects = _channel_objects(s3, channel)
    if not objects:
        raise StandInTrainingFailed(f"no data found at {channel['DataSource']['S3DataSource']['S3Uri']}")
    for bucket, key in objects:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        try:
            if kind == formats.CSV:
                x, y = formats.read_training_csv(body)
            else:
                x, y = formats.read_recordio(body)
        except formats.FormatError as exc:
            raise StandInTrainingFailed(f"s3://{bucket}/{key}: {exc}") from exc
        if y is None:
            raise StandInTrainingFailed(f"s3://{bucket}/{key}: the records have no label")
        parts_x.append(x)
        parts_y.append(y)
    return np.vstack(parts_x), np.concatenate(parts_y)


def _write_log(region: str, job: str, lines: list[str]) -> None:
    logs = _client("logs", region)
    try:
        logs.create_log_group(logGroupName=LOG_GROUP)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    stream = f"{job}/algo-1-{int(time.time())}"
    logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
    now = int(time.time() * 1000)
    events = [{"timestamp": now + i, "message": line} for i, line in enumerate(lines)]
    logs.put_log_events(logGroupName=LOG_GROUP, logStreamName=stream, logEvents=events)


def train_job(region: str, job: str) -> dict | None:
    """Train the stand-in model of one training job; None when it is not linear-learner."""
    sm = _client("sagemaker", region)
    desc = sm.describe_training_job(TrainingJobName=job)
    image = desc.get("AlgorithmSpecification", {}).get("TrainingImage", "")
    if not is_linear_learner(image):
        return None
    started = time.perf_counter()
    s3 = _client("s3", region)
    hp = {k: str(v).strip('"') for k, v in desc.get("HyperParameters", {}).items()}
    channels = {c["ChannelName"]: c for c in desc.get("InputDataConfig", [])}
    log = [f"[grader stand-in] linear-learner is simulated offline by the grader, not run by AWS ({image})",
           f"hyperparameters: {json.dumps(hp, sort_keys=True)}"]
    try:
        if "train" not in channels:
            raise StandInTrainingFailed("the 'train' channel is required for linear-learner")
        x, y = read_channel(s3, channels["train"])
        log.append(f"train channel: {len(x)} records, {x.shape[1]} features")
        dim = hp.get("feature_dim", "auto")
        if dim not in ("auto", "") and dim.isdigit() and int(dim) != x.shape[1]:
            raise StandInTrainingFailed(f"feature_dim={dim} but the records have {x.shape[1]} features")
        model, lines = fit.train(x, y, hp)
        log += lines
        for name in ("validation", "test"):
            if name in channels:
                tx, ty = read_channel(s3, channels[name])
                log.append(fit.evaluate(model, tx, ty).replace(" test ", f" {name} "))
    except (fit.TrainingError, StandInTrainingFailed) as exc:
        log.append(f"ClientError: {exc}")
        _write_log(region, job, log)
        raise StandInTrainingFailed(f"Training job {job} failed (grader's linear-learner stand-in): {exc}") from exc
    bucket, key = _split_s3(desc["ModelArtifacts"]["S3ModelArtifacts"])
    payload = json.dumps(model).encode()
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        info = tarfile.TarInfo(MODEL_FILE)
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    s3.put_object(Bucket=bucket, Key=key, Body=archive.getvalue())
    log.append(f"model written to s3://{bucket}/{key}")
    log.append("Completed - Training job completed")
    _write_log(region, job, log)
    elapsed = time.perf_counter() - started
    with _lock:
        STATS["training_s"] += elapsed
        STATS["jobs"].append({"job": job, "seconds": round(elapsed, 4), "predictor_type": model["predictor_type"]})
    return model


def on_create_training_job(http_response=None, parsed=None, context=None, **_: Any) -> None:
    if parsed is None or http_response is None or http_response.status_code >= 300:
        return
    arn = parsed.get("TrainingJobArn", "")
    region = (context or {}).get("client_region") or arn.split(":")[3]
    train_job(region, arn.split("/")[-1])


# -- InvokeEndpoint --------------------------------------------------------------------------
class _Raw(io.BytesIO):
    def stream(self, **_: Any):
        chunk = self.read()
        while chunk:
            yield chunk
            chunk = self.read()


def _answer(operation_model, url: str, status: int, body: bytes, headers: dict[str, str]):
    """(http response, parsed response) as botocore would make them from this HTTP answer."""
    from botocore import parsers
    from botocore.awsrequest import AWSResponse
    from botocore.endpoint import convert_to_response_dict

    http = AWSResponse(url, status, {**headers, "content-length": str(len(body))}, _Raw(body))
    parser = parsers.create_parser(operation_model.metadata["protocol"])
    return http, parser.parse(convert_to_response_dict(http, operation_model), operation_model.output_shape)


def _error(operation_model, url: str, code: str, message: str, status: int = 400):
    body = json.dumps({"__type": code, "message": message}).encode()
    return _answer(operation_model, url, status, body, {"Content-Type": "application/x-amz-json-1.1",
                                                         "x-amzn-ErrorType": code})


_models: dict[str, dict] = {}


def endpoint_model(region: str, endpoint: str) -> dict | None:
    """The stand-in model behind an endpoint, None when the endpoint does not exist."""
    from botocore.exceptions import ClientError

    sm = _client("sagemaker", region)
    try:
        ep = sm.describe_endpoint(EndpointName=endpoint)
    except ClientError:
        return None
    config = sm.describe_endpoint_config(EndpointConfigName=ep["EndpointConfigName"])
    model_name = config["ProductionVariants"][0]["ModelName"]
    url = sm.describe_model(ModelName=model_name)["PrimaryContainer"]["ModelDataUrl"]
    cache_key = f"{ep['EndpointArn']}|{url}"
    if cache_key not in _models:
        bucket, key = _split_s3(url)
        data = _client("s3", region).get_object(Bucket=bucket, Key=key)["Body"].read()
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            _models[cache_key] = json.loads(tar.extractfile(MODEL_FILE).read())  # type: ignore[union-attr]
    return _models[cache_key]


def _account(region: str) -> str:
    return _client("sts", region).get_caller_identity()["Account"]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")


def on_invoke_endpoint(model=None, params=None, context=None, **_: Any):
    """Answer InvokeEndpoint as linear-learner would: a botocore `before-call` handler, so the
    request is never sent (moto's own InvokeEndpoint would answer a static body)."""
    url = params.get("url", "")
    region = (context or {}).get("client_region") or "us-east-1"
    path = unquote(urlparse(url).path if url else params.get("url_path", ""))
    endpoint = path.split("/endpoints/", 1)[-1].rsplit("/invocations", 1)[0]
    with _lock:
        STATS["invocations"] += 1
    try:
        found = endpoint_model(region, endpoint)
    except (KeyError, tarfile.TarError, json.JSONDecodeError) as exc:
        return _error(model, url, "ModelError", f"Received client error (400) from primary with message \"{exc}\"", 424)
    if found is None:
        return _error(model, url, "ValidationError", f"Endpoint {endpoint} of account {_account(region)} not found.")
    headers = {k.lower(): _text(v) for k, v in (params.get("headers") or {}).items()}
    body = params.get("body") or b""
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    try:
        rows = formats.parse_request(body, headers.get("content-type", formats.CSV))
        predictions = fit.predict(found, rows)
    except (formats.FormatError, ValueError) as exc:
        return _error(model, url, "ModelError", f"Received client error (400) from primary with message \"{exc}\"", 424)
    answer, kind = formats.format_response(predictions, headers.get("accept", ""))
    return _answer(model, url, 200, answer, {"Content-Type": kind, "x-Amzn-Invoked-Production-Variant": "AllTraffic"})


def _handlers():
    from botocore.handlers import REGISTER_FIRST

    return [("after-call.sagemaker.CreateTrainingJob", on_create_training_job),
            ("before-call.sagemaker-runtime.InvokeEndpoint", on_invoke_endpoint, REGISTER_FIRST)]


def install() -> None:
    """Add the hooks to every botocore session created from now on."""
    from botocore.handlers import BUILTIN_HANDLERS

    for spec in _handlers():
        if not any(s[:2] == spec[:2] for s in BUILTIN_HANDLERS):
            BUILTIN_HANDLERS.append(spec)


def uninstall() -> None:
    from botocore.handlers import BUILTIN_HANDLERS

    mine = {spec[:2] for spec in _handlers()}
    BUILTIN_HANDLERS[:] = [s for s in BUILTIN_HANDLERS if s[:2] not in mine]
    _sessions.clear()
    _models.clear()
