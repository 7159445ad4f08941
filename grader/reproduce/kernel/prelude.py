"""The kernel prelude: run once, hidden, before the student's first cell (never written into the
notebook). Everything the lesson's code assumes of an AWS account, made inside the kernel:

- the fake AWS: in-process moto (`mock_aws`), which catches every botocore request whatever its
  URL (so the SDK's own `https://sts.<region>.amazonaws.com` needs no patch) and needs no socket;
  the linear-learner stand-in's hooks (`standin.install()`);
- the region the notebook names (default us-east-2), the buckets it names (created empty, as
  the student had created them in the console), and credentials of an assumed role named like
  the lesson's (`AmazonSageMaker-ExecutionRole-...`), so `get_execution_role()` works;
- the SDK offline: its fixed sleeps (5 s before `fit()` polls, 30 s in `deploy()`) patched to 0
  in `sagemaker.session` only, telemetry off (`SAGEMAKER_USER_CONFIG_OVERRIDE`, set by the
  sandbox), the V2 banner and config notices silenced;
- errors shown as errors: sagemaker-core's rich traceback handler is taken out again;
- SDK-1 names on SDK 2: `sagemaker.predictor.csv_serializer`/`json_deserializer` (and the other
  SDK-1 serializer objects), `sagemaker.s3_input` / `sagemaker.session.s3_input`
  (`get_image_uri` and `train_instance_*` still work on SDK 2, with "renamed" warnings);
- numpy's and `random`'s global generators seeded from the config (`reseed(seed)` re-seeds for
  the seed runs): an unseeded `train_test_split` draws from numpy's global generator.
"""

from __future__ import annotations

import json
import logging
import os
import random
import sys
import time
import types
import warnings

from . import standin

ROLE_NAME = "AmazonSageMaker-ExecutionRole-20200330T125000"
STATE: dict = {}


def reseed(seed: int) -> None:
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    STATE["seed"] = seed


def _account(region: str, buckets: list[str]) -> None:
    import boto3

    session = boto3.session.Session(region_name=region)
    iam = session.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                      "Principal": {"Service": "sagemaker.amazonaws.com"}}]}
    role = iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust),
                           Path="/service-role/")["Role"]
    creds = session.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="SageMaker")["Credentials"]
    os.environ.update({"AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
                       "AWS_SESSION_TOKEN": creds["SessionToken"]})
    s3 = boto3.session.Session(region_name=region).client("s3")
    for name in buckets:
        try:
            if region == "us-east-1":
                s3.create_bucket(Bucket=name)
            else:
                s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        except Exception as exc:  # a name S3 refuses: the notebook's own calls will say so
            STATE.setdefault("bucket_errors", []).append(f"{name}: {exc}")


class _NoSleep(types.ModuleType):
    """`time` for `sagemaker.session`: the same module, with `sleep` a no-op."""

    def __init__(self):
        super().__init__("time")

    def __getattr__(self, name):
        return getattr(time, name)

    @staticmethod
    def sleep(_seconds=0):
        return None


def _plain_tracebacks(hook) -> None:
    """sagemaker-core installs rich's traceback handler on import (and again whenever one of its
    modules is first imported): IPython then shows errors as display data, not as error outputs.
    Put the plain ones back and keep it from reinstalling."""
    sys.excepthook = hook
    try:
        import sagemaker_core.main.utils as core_utils

        core_utils.textual_rich_console_and_traceback_enabled = True
    except ImportError:
        pass
    from IPython import get_ipython

    ip = get_ipython()
    for name in ("showtraceback", "_showtraceback", "showsyntaxerror"):  # rich sets them on the instance
        if ip is not None and name in vars(ip):
            delattr(ip, name)


def _sdk() -> None:
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    logging.getLogger("sagemaker.config").setLevel(logging.WARNING)
    hook = sys.excepthook
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import sagemaker
        import sagemaker.base_predictor as base
        import sagemaker.predictor as predictor
        import sagemaker.session as session
        from sagemaker.deprecations import deprecated_class
        from sagemaker.inputs import TrainingInput
    _plain_tracebacks(hook)
    session.time = _NoSleep()
    for name in ("csv_serializer", "json_serializer", "npy_serializer", "csv_deserializer", "json_deserializer",
                 "numpy_deserializer", "RealTimePredictor"):
        if hasattr(base, name) and not hasattr(predictor, name):
            setattr(predictor, name, getattr(base, name))
    s3_input = deprecated_class(TrainingInput, "sagemaker.s3_input")
    for module in (sagemaker, session):
        if not hasattr(module, "s3_input"):
            module.s3_input = s3_input


def start(config_path: str | None = None) -> dict:
    """Start the fake AWS and prepare the SDK; returns timings (seconds) for the record."""
    t0 = time.perf_counter()
    config = json.loads(open(config_path or os.environ["GRADER_SANDBOX_CONFIG"]).read())
    region = config.get("region") or "us-east-2"
    os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = region
    reseed(int(config.get("seed", 0)))
    from moto import mock_aws

    standin.install()
    STATE["mock"] = mock_aws()
    STATE["mock"].start()
    os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = region  # mock_aws patches the environment
    t1 = time.perf_counter()
    _account(region, list(config.get("buckets", [])))
    t2 = time.perf_counter()
    _sdk()
    t3 = time.perf_counter()
    STATE["timings"] = {"moto_s": t1 - t0, "account_s": t2 - t1, "sdk_import_s": t3 - t2}
    return STATE["timings"]


def _peak_rss_kb() -> int | None:
    try:
        with open("/proc/self/status") as fh:
            return next((int(line.split()[1]) for line in fh if line.startswith("VmHWM:")), None)
    except OSError:
        return None


def stats() -> dict:
    """What the driver reads back after the cells ran."""
    return {"peak_rss_kb": _peak_rss_kb(), "training_s": standin.STATS["training_s"], "jobs": list(standin.STATS["jobs"]),
            "invocations": standin.STATS["invocations"], "seed": STATE.get("seed"),
            "timings": STATE.get("timings", {}), "bucket_errors": STATE.get("bucket_errors", [])}
