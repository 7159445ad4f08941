"""Shared helpers of the reliability and security suite: verdicts, the class of scenarios, notebooks
for a built student, the server-side operation classifier and output-tree scanning."""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from grader.demo.scenario import Scenario

REGIONS = ("us-east-2", "ca-central-1", "us-west-2")

# The lesson done right and its common mistakes, in the account and in the notebooks
# (knobs: grader.demo.notebook_factory.DEMO_KNOBS). One student each.
CLASS: tuple[tuple[str, dict[str, Any], dict[str, str]], ...] = (
    ("complete", {}, {}),
    ("public-blocked", {"public_blocked": True}, {"rainfall": "out_of_order"}),
    ("endpoint-left", {"endpoints_left": ("us-west-2",)}, {"credit": "error_last"}),
    ("config-left", {"configs_left": ("us-east-2",)}, {"credit": "poor_model"}),
    ("admin-via-user", {"admin_via": "user"}, {"rainfall": "only_rmse"}),
    ("password-reset", {"password_reset_required": True, "access_keys": ("Active", "Active")}, {}),
    ("csv-data", {"training_data": "csv"}, {"rainfall": "unexecuted"}),
    ("artifact-deleted", {"artifact_deleted": True, "root_mfa": False}, {"credit": "perfect"}),
    ("no-credit-job", {"credit_job": False}, {"credit": "constant_model"}),
    ("policy-route", {"public_route": "policy"}, {"credit": "v1_on_v2", "rainfall": "v1_on_v2"}),
    ("private-open", {"private_blocked": False, "private_object_public": True}, {"credit": "edited_accuracy"}),
    ("leftovers", {"notebook_instance_running": "us-east-2", "studio_domain": "us-east-2", "admin_user": False},
     {"rainfall": "no_metrics"}),
)


def scenario(label: str, **fields: Any) -> Scenario:
    return dataclasses.replace(Scenario(), label=label, **fields)


def verdicts(report) -> dict[str, tuple[str, float]]:
    """item id -> (status, points earned): what a student's grade is made of."""
    items = report.items if hasattr(report, "items") else report["items"]
    out = {}
    for i in items:
        if isinstance(i, dict):
            out[i["id"]] = (i["status"], i["points"]["earned"])
        else:
            out[i.id] = (i.status.value, i.points.earned)
    return out


def write_notebooks(folder: Path, built, knobs: dict[str, str] | None = None) -> Path:
    """The student's two executed notebooks (grader.demo.notebook_factory), naming their own bucket and
    training jobs, with the mistakes `knobs` asks for."""
    from grader.demo.notebook_factory import demo_notebook

    knobs = knobs or {}
    folder.mkdir(parents=True, exist_ok=True)
    sc = built.scenario
    names = {"bucket": sc.private_name, "rainfall_job": sc.job_name("rainfall"), "credit_job": sc.job_name("credit")}
    for kind, filename in (("rainfall", "rainfall_forecast.ipynb"), ("credit", "credit-risk-classification.ipynb")):
        (folder / filename).write_text(demo_notebook(kind, knobs.get(kind), **names), encoding="utf-8")
    return folder


# -- the server's view of what was sent ----------------------------------------------------------
S3_READ_METHODS = {"GET": "GetObject", "HEAD": "HeadObject"}


def operation_of(entry: dict[str, Any]) -> tuple[str, str]:
    """(service, operation) of one request in moto's recording, read the way AWS routes it:
    JSON protocol by `X-Amz-Target`, query protocol by `Action`, REST (S3, S3 Control) by HTTP
    method, where GET and HEAD are the only reads (PUT, POST and DELETE all change something)."""
    headers = {k.lower(): v for k, v in entry["headers"].items()}
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    target = headers.get("x-amz-target")
    if target:
        return target.split(".")[0].lower(), target.split(".")[-1]
    auth = headers.get("authorization", "")
    service = auth.split("/")[3] if auth.count("/") >= 4 else "s3"  # unsigned: the anonymous S3 probe
    action = parse_qs(body if isinstance(body, str) else "").get("Action") or parse_qs(
        urlparse(entry["url"]).query).get("Action")
    if action:
        return service, action[0]
    return service, S3_READ_METHODS.get(entry["method"].upper(), f"{entry['method'].upper()}Request")


def recorded_operations(recorder) -> list[tuple[str, str]]:
    entries = [json.loads(line) for line in recorder.download_recording().splitlines() if line.strip()]
    return [operation_of(e) for e in entries]


# -- output trees ---------------------------------------------------------------------------------
def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root`, relative path -> bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(Path(root).rglob("*")) if p.is_file()}


# -- credentials the grader used ------------------------------------------------------------------
def capture_credentials(mp) -> list[tuple[str, str, str | None]]:
    """Record (access key id, secret key, session token) of every session the grader makes, via
    `mp` (a pytest MonkeyPatch); returns the list it fills, so outputs can be searched for them."""
    from grader.aws import session as session_mod

    credentials: list[tuple[str, str, str | None]] = []
    original = session_mod.AwsAccess._make_session

    def capturing(self):
        session = original(self)
        self.session = session
        credentials.append(self.frozen_credentials())
        return session

    mp.setattr(session_mod.AwsAccess, "_make_session", capturing)
    return credentials
