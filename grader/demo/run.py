"""`grader demo`: the whole product on a synthetic class, with no AWS account.

1. A moto server starts inside this process on 127.0.0.1 and a free port.
2. A class of N students (default 8) is built on it, each in their own 12-digit account that the
   grader reaches the way it reaches a real student: through a cross-account role ARN with an
   external id (the role is created in the account with a trust policy naming that external
   id, as `grader access-policy` would have the student do; moto does not enforce trust
   policies). One student did the lesson right; the others left the lesson's typical mistakes
   (see `DEMO_CLASS`), in their accounts and in their executed notebooks.
3. The notebooks and a `roster.csv` are written under `<out>/roster/`, and the class is graded
   by `grader.batch.run_batch`, the code path of `grader batch`, with the moto endpoint.
4. Every report is marked synthetic (`"synthetic": true` in report.json and class.json).

Regions: the scenarios only use us-east-2 (the lesson's SageMaker region), ca-central-1 (the
public bucket) and us-west-2 (where one student left an endpoint), so the demo scans those three
instead of every region; that keeps it well under a minute on a 2-core machine.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from grader.output import atomic_write, ensure_out_dir
from grader.terminal import open_in_browser  # noqa: F401 - also grader.demo.run.open_in_browser

DEMO_REGIONS = ["us-east-2", "ca-central-1", "us-west-2"]
GRADER_ACCOUNT = "123456789012"  # moto's default account: the grader's own credentials land here
FIRST_ACCOUNT = 318520000001


@dataclass(frozen=True)
class DemoStudent:
    name: str
    story: str  # what this student did, in a TA's words
    scenario: dict[str, Any] = field(default_factory=dict)  # grader.demo.scenario.Scenario fields
    notebooks: dict[str, Any] = field(default_factory=dict)  # notebook knobs (see _write_notebooks)


# One perfect student, then the lesson's typical mistakes. A class larger than this list repeats
# it (with new ids and accounts).
DEMO_CLASS: tuple[DemoStudent, ...] = (
    DemoStudent("Ada Park", "did the lesson right"),
    DemoStudent("Ben Okafor", "left the public bucket blocked (the post-2023 default)", {"public_blocked": True}),
    DemoStudent("Chloe Martin", "left an endpoint running in us-west-2; never made the public object public",
                {"endpoints_left": ("us-west-2",), "public_route": "none"}),
    DemoStudent("Dev Sharma", "deleted the endpoint but not its configuration", {"configs_left": ("us-east-2",)}),
    DemoStudent("Eva Novak", "attached AdministratorAccess to the user instead of the group",
                {"admin_via": "user", "password_reset_required": True}),
    DemoStudent("Femi Adeyemi", "edited the accuracy printed in the credit notebook", {},
                {"credit": "edited_accuracy"}),
    DemoStudent("Grace Liu", "submitted a constant model that always predicts 'good'", {"access_keys": ("Active", "Active")},
                {"credit": "constant_model"}),
    DemoStudent("Hugo Silva", "ran out of time: handed in a classmate's notebooks (their bucket is named in them) "
                "without executing either, uploaded CSV instead of RecordIO, never trained the credit model",
                {"training_data": "csv", "credit_job": False},
                {"rainfall": "unexecuted", "credit": "unexecuted", "bucket": "classmate"}),
    DemoStudent("Iris Chen", "made an object in the private bucket public", {"private_object_public": True}),
    DemoStudent("Jon Berg", "left a notebook instance running and deleted the model artifact",
                {"notebook_instance_running": "us-east-2", "artifact_deleted": True}),
    DemoStudent("Kai Tanaka", "made the public object public with a bucket policy (also right)",
                {"public_route": "policy"}),
    DemoStudent("Lena Fischer", "skipped the test data and left root without MFA",
                {"test_data": False, "root_mfa": False}),
)


@dataclass
class DemoClass:
    roster: Path
    students: list[dict[str, Any]]  # id, name, story, account_id, role_arn


def student_id(i: int) -> str:
    return f"s{i + 1:02d}"


_runs = itertools.count()


def build_class(endpoint_url: str, count: int, folder: Path) -> DemoClass:
    """Build `count` synthetic students on the moto server at `endpoint_url`; write their
    notebooks and `roster.csv` into `folder`."""
    from grader.demo.scenario import Scenario, build_student

    # moto's state is process-wide and bucket names are global: a second class built in the same
    # process (tests) gets other accounts and bucket names.
    run = next(_runs)
    folder.mkdir(parents=True, exist_ok=True)
    rows, students = [], []
    for i in range(count):
        spec = DEMO_CLASS[i % len(DEMO_CLASS)]
        sid = student_id(i)
        account = str(FIRST_ACCOUNT + 1000 * run + i)
        stamp = f"20261128-{sid}" if run == 0 else f"20261128-{run}-{sid}"
        scenario = replace(Scenario(), label=spec.story, stamp=stamp, **spec.scenario)
        built = build_student(endpoint_url, account, scenario)
        external_id = f"grader-demo-{sid}"
        role_arn = _grader_role(endpoint_url, account, external_id)
        _write_notebooks(folder / sid, built, spec.notebooks)
        name = spec.name if i < len(DEMO_CLASS) else f"{spec.name} ({i // len(DEMO_CLASS) + 1})"
        rows.append({"student_id": sid, "name": name, "email": f"{sid}@example.edu", "role_arn": role_arn,
                     "external_id": external_id, "notebooks": sid})
        students.append({"id": sid, "name": name, "story": spec.story, "account_id": account, "role_arn": role_arn,
                         "scenario": spec.scenario, "notebooks": spec.notebooks})
    roster = folder / "roster.csv"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(roster, buf.getvalue())
    atomic_write(folder / "demo-class.json", json.dumps({"synthetic": True, "students": students}, indent=2) + "\n")
    return DemoClass(roster=roster, students=students)


def _grader_role(endpoint_url: str, account: str, external_id: str) -> str:
    """The read-only role a student creates for the grader (trusting the grader's account, with
    an external id). Returns its ARN."""
    from grader.demo.scenario import account_session

    iam = account_session(endpoint_url, account).client("iam", region_name="us-east-1", endpoint_url=endpoint_url)
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{GRADER_ACCOUNT}:root"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": external_id}}}]}
    role = iam.create_role(RoleName="GraderReadOnly", AssumeRolePolicyDocument=json.dumps(trust),
                           Description="Read-only access for the lesson 13.2 grader (synthetic demo)")
    iam.attach_role_policy(RoleName="GraderReadOnly", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    return role["Role"]["Arn"]


# -- notebooks -------------------------------------------------------------------------------


def _write_notebooks(folder: Path, built, knobs: dict[str, Any]) -> None:
    """The student's two executed notebooks, naming their own bucket and training jobs, with
    the mistakes `knobs` names (grader.demo.notebook_factory.DEMO_KNOBS)."""
    from grader.demo.notebook_factory import demo_notebook

    folder.mkdir(parents=True, exist_ok=True)
    sc = built.scenario
    names = {"bucket": sc.private_name, "rainfall_job": sc.job_name("rainfall"), "credit_job": sc.job_name("credit")}
    if knobs.get("bucket") == "classmate":  # a copy of someone else's notebooks: their bucket, not in this account
        names["bucket"] = f"sm-models-{sc.stamp}-classmate"
    for kind, filename in (("rainfall", "rainfall_forecast.ipynb"), ("credit", "credit-risk-classification.ipynb")):
        atomic_write(folder / filename, demo_notebook(kind, knobs.get(kind), **names))


# -- the command -----------------------------------------------------------------------------

FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
_UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL",
          "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE")


@contextmanager
def synthetic_aws_env():
    """Fake credentials and no AWS profile or endpoint from the environment while the demo runs,
    so the synthetic class never depends on (or sends) the user's real AWS configuration."""
    saved = {k: os.environ.get(k) for k in (*FAKE_CREDENTIALS, *_UNSET)}
    try:
        for k in _UNSET:
            os.environ.pop(k, None)
        os.environ.update(FAKE_CREDENTIALS)
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v



def run_demo(*, out: Path | str = Path("grader-demo"), students: int = 8, open_browser: bool = False,
             jobs: int = 8, stream: IO[str] | None = None, progress=None) -> int:
    """Build and grade the synthetic class; print where the class report is. Returns the exit
    code of `grader batch` (0 when every student was graded)."""
    from grader.batch import run_batch, summary_lines
    from grader.demo.moto_env import moto_server

    stream = stream or sys.stdout
    started = time.perf_counter()
    out = ensure_out_dir(Path(out))
    with synthetic_aws_env(), moto_server() as url:
        print(f"demo: a synthetic class of {students} student{'' if students == 1 else 's'} on a local moto server "
              f"({url})", file=sys.stderr)
        demo_class = build_class(url, students, out / "roster")
        built_s = time.perf_counter() - started
        print(f"demo: built {students} student account{'' if students == 1 else 's'} in {built_s:.1f} s; grading with "
              "`grader batch`",
              file=sys.stderr)
        result = run_batch(demo_class.roster, out=out, jobs=jobs, endpoint_url=url, regions=DEMO_REGIONS,
                           synthetic=True, progress=progress)
    *lines, where = summary_lines(result)
    for line in lines:
        print(line, file=stream)
    print(f"demo: done in {time.perf_counter() - started:.1f} s (synthetic data; no AWS account was used)",
          file=stream)
    for line in next_steps(result.index, out):
        print(line, file=stream)
    print(where, file=stream)
    if open_browser:
        open_in_browser(result.index)
    return result.exit_code


def next_steps(index: Path, out: Path) -> list[str]:
    """What to open or run after the demo."""
    first = Path(out) / "students" / student_id(0) / "report.html"
    return [
        "next:",
        f"  open {Path(index).resolve()} in a browser (or run grader demo --open), then a student's report,",
        f"    e.g. {first.resolve()}",
        "  grade a real student: grader check --role-arn ROLE_ARN --external-id ID --notebooks FOLDER",
        f"  grade a class: grader batch roster.csv --out grades (the demo's roster: {Path(out).resolve() / 'roster' / 'roster.csv'})",
        "  check your own work: grader self-check (your AWS credentials, notebooks in the current folder)",
    ]
