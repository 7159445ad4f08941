"""Fixtures of the reliability and security suite (on top of tests/conftest.py)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest


@pytest.fixture
def access_for(moto_url):
    """access_for(built, **kw) -> the grader's AwsAccess to that student (faults go on it)."""
    from grader.aws.session import AwsAccess, AwsTarget

    def make(built, **kw):
        return AwsAccess(AwsTarget(role_arn=built.role_arn, external_id="ext-123", endpoint_url=moto_url), **kw)

    return make


@pytest.fixture(scope="module")
def build_once(moto_url):
    """build_once(Scenario) -> BuiltStudent, for a whole test module (grading never changes an
    account, which tests/e2e and test_read_only.py prove). Same recipe as tests/conftest.py `build`."""
    import dataclasses

    from grader.demo.scenario import build_student
    from tests.conftest import _accounts

    def run(scenario):
        account = str(next(_accounts))
        scenario = dataclasses.replace(scenario, stamp=f"{scenario.stamp}-{account[-6:]}")
        return build_student(moto_url, account, scenario)

    return run


# -- one graded class, shared by the read-only, hostile-string, secrets and paths tests -----------------
HOSTILE_KEY = "<script>alert('key')</script> \"q\" =cmd|' /C calc'!A0 \u202eevil\u2028line.png"
HOSTILE_PUBLIC_KEY = "<img src=x onerror=alert(1)>/ünïcødé ファイル \"&amp;\".png"
HOSTILE_ENDPOINT = "<svg onload=alert('ep')>-=1+1-@SUM(A1)\n\"endpoint\""
HOSTILE_OUTPUT = "<iframe src=javascript:alert('nb')></iframe> ]]><![CDATA[ =HYPERLINK(\"http://evil\") \x1b[31m"
# Base credentials the grader runs with: distinctive, so a leak of them is found verbatim.
BASE_KEY_ID = "AKIA" + "RELIABILITY7TEST"  # an access key id: AKIA + 16 characters
BASE_SECRET = "reliability/Secret+Key/0123456789abcdefGHIJ"
BASE_TOKEN = "IQoJb3JpZ2luX2VjEReliabilitySuiteSessionToken/+=0123456789"


@dataclasses.dataclass
class ClassRun:
    out: Path  # grader batch --out
    check_out: Path  # grader check --out (the hostile student, every format)
    rerender_out: Path  # grader report of the batch's report.json files, every format
    roster: Path
    built: dict  # label -> BuiltStudent
    ids: dict  # label -> student id in the roster
    codes: dict  # command -> exit code
    console: str  # everything the commands printed (stdout and stderr)
    operations: list  # (service, operation) of every request moto received, in order
    credentials: list  # (access key id, secret key, session token) of every session the grader made

    def all_files(self) -> list[Path]:
        return [p for root in (self.out, self.check_out, self.rerender_out) for p in sorted(root.rglob("*"))
                if p.is_file()]


def hostile_notebooks(folder: Path, built) -> Path:
    """The lesson's notebooks naming the student's bucket and jobs, with hostile outputs added."""
    from grader.demo.notebook_factory import credit_notebook, rainfall_notebook, to_json

    sc = built.scenario
    rain = json.loads(to_json(rainfall_notebook(bucket=sc.private_name, job_name=sc.job_name("rainfall"))))
    credit = json.loads(to_json(credit_notebook(bucket=sc.private_name, job_name=sc.job_name("credit"))))
    code = [c for c in rain["cells"] if c["cell_type"] == "code"]
    code[1]["outputs"].append({"output_type": "stream", "name": "stdout",
                               "text": f"Training data uploaded to: s3://{sc.private_name}/{HOSTILE_OUTPUT}\n"})
    code[2]["outputs"].append({"output_type": "error", "ename": "<img src=x onerror=alert('ename')>",
                               "evalue": HOSTILE_OUTPUT, "traceback": [HOSTILE_OUTPUT]})
    credit_code = [c for c in credit["cells"] if c["cell_type"] == "code"]
    credit_code[0]["outputs"].append({"output_type": "display_data", "metadata": {},
                                      "data": {"text/html": HOSTILE_OUTPUT, "text/plain": HOSTILE_OUTPUT}})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rainfall_forecast.ipynb").write_text(json.dumps(rain), encoding="utf-8")
    (folder / "credit-risk-classification.ipynb").write_text(json.dumps(credit), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def class_run(moto_url, tmp_path_factory):
    """`grader batch` over a small class (the lesson done right, two mistakes, and a student whose
    every name is hostile), every format, with moto's recorder on; then `grader check` of the
    hostile student with every format, and `grader report` re-rendering the batch's reports."""
    import contextlib
    import csv
    import io
    import logging

    from moto.moto_api import recorder as moto_recorder

    from grader.cli import main
    from grader.demo.scenario import Scenario, build_student
    from tests.conftest import _accounts
    from tests.reliability.helpers import capture_credentials, recorded_operations, write_notebooks

    root = tmp_path_factory.mktemp("class-run")
    built, ids, rows = {}, {}, []
    specs = [
        ("complete", "s01", "Ada Park", "ada@example.edu", Scenario(), {}, "all"),
        ("private-open", "../../escape", "Ben <b>Okafor</b>", "=cmd|' /C calc'!A0",
         Scenario(private_blocked=False, private_object_public=True), {"credit": "edited_accuracy"},
         "us-east-2 ca-central-1 us-west-2"),
        ("admin-via-user", "CON", "Chloe\nMartin \u202e", "+1-555@x", Scenario(admin_via="user",
         access_keys=("Active", "Active")), {"rainfall": "error_last"}, "us-east-2 ca-central-1 us-west-2"),
    ]
    for label, sid, name, email, scenario, knobs, regions in specs:
        account = str(next(_accounts))
        scenario = dataclasses.replace(scenario, stamp=f"20261128-{account[-6:]}", label=label)
        built[label] = build_student(moto_url, account, scenario)
        ids[label] = sid
        rows.append({"student_id": sid, "name": name, "email": email, "role_arn": built[label].role_arn,
                     "external_id": "ext-123", "regions": regions,
                     "notebooks": str(write_notebooks(root / f"nb-{label}", built[label], knobs))})
    account = str(next(_accounts))
    stamp = f"20261128-{account[-6:]}"
    hostile = Scenario(label="hostile", stamp=stamp, private_bucket_name=f"sm-models-xn--{stamp}.1e10",
                       public_bucket_name=f"public-share-{stamp}.a-b.c", private_object_key=HOSTILE_KEY,
                       public_object_key=HOSTILE_PUBLIC_KEY, endpoints_left=("us-west-2",),
                       left_endpoint_names=(HOSTILE_ENDPOINT,), configs_left=("us-east-2",))
    built["hostile"] = build_student(moto_url, account, hostile)
    ids["hostile"] = "<script>alert('id')</script>\"=1+1"
    rows.append({"student_id": ids["hostile"], "name": "<img src=x onerror=alert('name')> =SUM(A1)",
                 "email": "@evil.example'\"><svg>", "role_arn": built["hostile"].role_arn, "external_id": "ext-123",
                 "regions": "us-east-2 ca-central-1 us-west-2",
                 "notebooks": str(hostile_notebooks(root / "nb-hostile", built["hostile"]))})
    roster = root / "roster.csv"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    roster.write_text(buf.getvalue(), encoding="utf-8")


    out, check_out, rerender_out = root / "batch", root / "check", root / "rerender"
    console, codes = io.StringIO(), {}
    with pytest.MonkeyPatch.context() as mp:
        home = tmp_path_factory.getbasetemp()
        for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ROLE_ARN"):
            mp.delenv(var, raising=False)
        mp.setenv("AWS_ACCESS_KEY_ID", BASE_KEY_ID)
        mp.setenv("AWS_SECRET_ACCESS_KEY", BASE_SECRET)
        mp.setenv("AWS_SESSION_TOKEN", BASE_TOKEN)
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.setenv("AWS_CONFIG_FILE", str(home / "no-aws-config"))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "no-aws-credentials"))
        mp.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, ctx: 0)
        credentials = capture_credentials(mp)
        moto_recorder._location = str(root / "recording.jsonl")
        moto_recorder.reset_recording()
        moto_recorder.start_recording()
        log = logging.StreamHandler(console)
        logging.getLogger().addHandler(log)
        try:
            with contextlib.redirect_stdout(console), contextlib.redirect_stderr(console):
                codes["batch"] = main(["batch", str(roster), "--out", str(out), "--jobs", "2", "--workers", "0",
                                       "--endpoint-url",
                                       moto_url, "--format", "json,html,csv,junit,md,gradescope"])
                codes["check"] = main([
                    "check", "--student", ids["hostile"], "--name", "<b>bold</b>", "--role-arn",
                    built["hostile"].role_arn, "--external-id", "ext-123", "--endpoint-url", moto_url,
                    "--regions", "us-east-2,ca-central-1,us-west-2", "--notebooks", str(root / "nb-hostile"),
                    "--out", str(check_out), "--format", "json,html,csv,junit,md,gradescope"])
        finally:
            moto_recorder.stop_recording()
            logging.getLogger().removeHandler(log)
        operations = recorded_operations(moto_recorder)
        reports = sorted(str(p) for p in (out / "students").glob("*/report.json"))
        with contextlib.redirect_stdout(console), contextlib.redirect_stderr(console):
            codes["report"] = main(["report", *reports, "--out", str(rerender_out), "--format",
                                    "json,html,csv,junit,md,gradescope"])
    return ClassRun(out=out, check_out=check_out, rerender_out=rerender_out, roster=roster, built=built, ids=ids,
                    codes=codes, console=console.getvalue(), operations=operations, credentials=credentials)
