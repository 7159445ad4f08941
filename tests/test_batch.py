"""`grader batch`: the contract's files, isolation of students, bounded concurrency, resume after
SIGKILL, progress output. Against the real moto server (over HTTP) where AWS matters; with a
fake grader (no AWS: every account item `skip`) where only the batch machinery is under test."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import grader.gradetask as gradetask
from grader.aws.session import AwsAccess
from grader.batch import run_batch
from grader.cli import main
from grader.demo.scenario import Scenario
from grader.engine import GradeRequest
from grader.progress import Progress, RichProgress
from grader.rubric import load_rubric
from tests.batch_helpers import children_of, wait_gone
from tests.faults import Faults

REGIONS = ["us-east-2", "ca-central-1", "us-west-2"]
ITEM_IDS = [i.id for i in load_rubric().items]


def write_roster(path: Path, rows: list[dict], *, bom: bool = False, crlf: bool = False) -> Path:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    end = "\r\n" if crlf else "\n"
    lines = [",".join(columns)] + [",".join(str(row.get(c) or "") for c in columns) for row in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\ufeff" if bom else "").encode() + (end.join(lines) + end).encode())
    return path


def role_row(sid: str, built, **extra) -> dict:
    return {"student_id": sid, "name": f"Student {sid}", "role_arn": built.role_arn,
            "external_id": f"ext-{sid}", **extra}


def read_grades(out: Path) -> list[list[str]]:
    with (out / "grades.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def quiet() -> Progress:
    return Progress(io.StringIO())


# -- the contract, over HTTP against moto -------------------------------------------------------


def test_class_in_different_accounts_writes_the_contract_files(build, moto_url, tmp_path, capsys):
    from grader.demo.notebook_factory import demo_notebook

    complete = build(Scenario())
    left = build(Scenario(endpoints_left=("us-west-2",)))
    via_user = build(Scenario(admin_via="user"))
    subs = tmp_path / "class" / "subs" / "s01"
    subs.mkdir(parents=True)
    sc = complete.scenario
    for kind, name in (("rainfall", "rainfall_forecast.ipynb"), ("credit", "credit-risk-classification.ipynb")):
        (subs / name).write_text(demo_notebook(kind, bucket=sc.private_name, rainfall_job=sc.job_name("rainfall"),
                                               credit_job=sc.job_name("credit")), encoding="utf-8")
    roster = write_roster(tmp_path / "class" / "roster.csv", [
        role_row("s01", complete, notebooks="subs/s01"), role_row("s02", left), role_row("s03", via_user),
    ], bom=True, crlf=True)
    out = tmp_path / "out"

    code = main(["batch", str(roster), "--out", str(out), "--endpoint-url", moto_url,
                 "--regions", ",".join(REGIONS), "--jobs", "3"])

    assert code == 0, capsys.readouterr().err
    for name in ("index.html", "class.json", "grades.csv"):
        assert (out / name).is_file()
    reports = {}
    for sid, built in (("s01", complete), ("s02", left), ("s03", via_user)):
        assert (out / "students" / sid / "report.html").is_file()
        reports[sid] = json.loads((out / "students" / sid / "report.json").read_text())
        assert reports[sid]["student"]["account_id"] == built.account_id  # each graded in their own account
        assert reports[sid]["synthetic"] is False
    status = {sid: {i["id"]: i["status"] for i in r["items"]} for sid, r in reports.items()}
    assert status["s01"]["cleanup-endpoints"] == "pass" and status["s02"]["cleanup-endpoints"] == "fail"
    assert status["s03"]["iam-admin-group-policy"] == "partial"
    assert status["s01"]["nb-credit-accuracy"] == "pass"  # notebooks found relative to the roster
    assert status["s02"]["nb-credit-accuracy"] == "skip"  # no notebooks column value

    klass = json.loads((out / "class.json").read_text())
    assert klass["schema"] == "grader.class-report/1"
    assert [s["student"]["id"] for s in klass["students"]] == ["s01", "s02", "s03"]
    for entry in klass["students"]:
        report = reports[entry["student"]["id"]]
        assert entry["status"] == report["status"] and entry["score"] == report["score"]
        assert [(i["id"], i["status"], i["points"]) for i in entry["items"]] == [
            (i["id"], i["status"], i["points"]) for i in report["items"]]

    header, *rows = read_grades(out)
    assert header[: 9 + len(ITEM_IDS)] == ["student_id", "name", "earned", "possible", "percent", "status",
                                           "complete", "needs_review", "review", *ITEM_IDS]
    assert [r[0] for r in rows] == ["s01", "s02", "s03"]
    s02 = dict(zip(header, rows[1], strict=True))
    assert float(s02["cleanup-endpoints"]) == 0 and float(s02["iam-admin-user"]) == 5
    assert s02["status"] == "fail" and float(s02["percent"]) == reports["s02"]["score"]["percent"]


def test_a_student_whose_calls_all_fail_is_that_rows_error_and_the_others_are_graded(build, moto_url, tmp_path):
    good, denied, half = build(Scenario()), build(Scenario()), build(Scenario())

    def access_factory(target):
        access = AwsAccess(target)
        faults = Faults(access)
        if target.role_arn == denied.role_arn:  # every call refused, identity included
            for service in ("sts", "iam", "s3", "s3-control", "sagemaker", "ec2"):
                faults.fail(service, None, "AccessDenied", 403)
        elif target.role_arn == half.role_arn:  # identity works, every fact is refused
            for service in ("iam", "s3", "s3-control", "sagemaker"):
                faults.fail(service, None, "AccessDenied", 403)
        return access

    roster = write_roster(tmp_path / "roster.csv", [
        role_row("ok", good),
        role_row("denied", denied),
        role_row("half", half),
        {"student_id": "noprofile", "profile": "no-such-profile-xyz"},
        role_row("nonotebooks", good, notebooks="missing-folder"),
        {"student_id": "orphan-ext", "external_id": "ext-1"},
        {"student_id": "bad-arn", "role_arn": "arn:aws:iam::1:role/Grader"},
    ])
    result = run_batch(roster, out=tmp_path / "out", endpoint_url=moto_url, regions=REGIONS, jobs=4,
                       progress=quiet(), access_factory=access_factory)

    by_id = {o.student_id: o for o in result.outcomes}
    assert {sid for sid, o in by_id.items() if o.graded} == {"ok", "half"}
    assert result.exit_code == 1
    assert "cannot reach the AWS account: access denied" in by_id["denied"].message
    assert "AWS profile 'no-such-profile-xyz' is not configured" in by_id["noprofile"].message
    assert "missing-folder does not exist" in by_id["nonotebooks"].message
    assert "external_id is given without a role_arn" in by_id["orphan-ext"].message
    assert "roster line 8: role_arn 'arn:aws:iam::1:role/Grader': not an IAM role ARN" in by_id["bad-arn"].message
    assert by_id["ok"].percent == 100.0
    half_report = json.loads((tmp_path / "out" / "students" / "half" / "report.json").read_text())
    assert half_report["status"] == "fail"
    assert {i["status"] for i in half_report["items"] if i["category"] in ("IAM", "S3")} <= {"error", "manual"}
    klass = json.loads((tmp_path / "out" / "class.json").read_text())
    errors = {s["student"]["id"]: s["message"] for s in klass["students"] if s["status"] == "error"}
    assert set(errors) == {"denied", "noprofile", "nonotebooks", "orphan-ext", "bad-arn"} and all(errors.values())


def test_nonexistent_profile_via_the_command_exits_1_and_grades_the_rest(build, moto_url, tmp_path, capsys):
    good = build(Scenario())
    roster = write_roster(tmp_path / "roster.csv", [
        role_row("s01", good), {"student_id": "s02", "name": "Bo", "profile": "no-such-profile-xyz"}])
    out = tmp_path / "out"
    code = main(["batch", str(roster), "--out", str(out), "--endpoint-url", moto_url, "--regions", "us-east-2"])
    captured = capsys.readouterr()
    assert code == 1
    rows = {r[0]: r for r in read_grades(out)[1:]}
    assert rows["s01"][5] == "pass" and rows["s02"][5] == "error"
    assert "graded 1 of 2 students; could not be graded: 1" in captured.out
    assert "not graded: s02: AWS profile 'no-such-profile-xyz' is not configured" in captured.out
    assert "Traceback" not in captured.err + captured.out


# -- the batch machinery, with a fake grader (no AWS) -------------------------------------------


class FakeGrader:
    """Stands in for grade_student: no AWS (every account item `skip`), records who was graded,
    tracks how many run at once, and can fail for chosen students."""

    def __init__(self, delay: float = 0.0, bug_for: tuple[str, ...] = ()):
        from grader.engine import grade_student

        self.real = grade_student
        self.delay = delay
        self.bug_for = bug_for
        self.graded: list[str] = []
        self.running = 0
        self.max_running = 0
        self.lock = threading.Lock()

    def __call__(self, request: GradeRequest, rubric, **kwargs):
        sid = request.student.id
        with self.lock:
            self.graded.append(sid)
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        try:
            time.sleep(self.delay)
            if sid in self.bug_for:
                raise KeyError("boom")
            request.target = None
            return self.real(request, rubric)
        finally:
            with self.lock:
                self.running -= 1


@pytest.fixture
def fake(monkeypatch):
    grader = FakeGrader()
    monkeypatch.setattr(gradetask, "grade_student", grader)
    return grader


def simple_roster(tmp_path: Path, n: int) -> Path:
    return write_roster(tmp_path / "roster.csv", [{"student_id": f"s{i:02d}", "name": f"N{i}"} for i in range(1, n + 1)])


def test_concurrency_is_bounded_by_jobs(fake, tmp_path):
    fake.delay = 0.05
    result = run_batch(simple_roster(tmp_path, 9), out=tmp_path / "out", jobs=3, progress=quiet())
    assert fake.max_running == 3
    assert sorted(fake.graded) == [f"s{i:02d}" for i in range(1, 10)]
    assert result.exit_code == 0 and result.graded == 9


def test_resume_regrades_only_missing_broken_error_or_other_rubric_reports(fake, tmp_path):
    roster = simple_roster(tmp_path, 6)
    out = tmp_path / "out"
    run_batch(roster, out=out, progress=quiet())
    students = out / "students"
    before = {sid: json.loads((students / sid / "report.json").read_text())["generated_at"] for sid in ("s01", "s06")}
    (students / "s02" / "report.json").write_text('{"schema": "grader.student-report/1", "stu')  # truncated
    s03 = json.loads((students / "s03" / "report.json").read_text())
    (students / "s03" / "report.json").write_text(json.dumps({**s03, "status": "error"}))
    s04 = json.loads((students / "s04" / "report.json").read_text())
    (students / "s04" / "report.json").write_text(json.dumps({**s04, "rubric": {**s04["rubric"], "version": "0.9"}}))
    (students / "s05" / "report.html").unlink()
    (students / "s06" / ".report.json.abc.tmp").write_text("{half")  # left by a killed writer
    fake.graded.clear()
    time.sleep(1.1)  # generated_at has one-second resolution

    stream = io.StringIO()
    result = run_batch(roster, out=out, resume=True, progress=Progress(stream))

    assert sorted(fake.graded) == ["s02", "s03", "s04"]
    assert {o.student_id for o in result.outcomes if o.resumed} == {"s01", "s05", "s06"}
    for sid, stamp in before.items():
        assert json.loads((students / sid / "report.json").read_text())["generated_at"] == stamp
    assert (students / "s05" / "report.html").is_file()
    assert not list(students.glob("*/.*.tmp"))
    assert "resuming: 3 of 6 students already graded" in stream.getvalue()
    assert "s01 already graded 0.0% (resumed)" in stream.getvalue()
    klass = json.loads((out / "class.json").read_text())
    assert [s["student"]["id"] for s in klass["students"]] == [f"s{i:02d}" for i in range(1, 7)]


def test_resume_without_earlier_run_grades_everyone(fake, tmp_path):
    result = run_batch(simple_roster(tmp_path, 3), out=tmp_path / "out", resume=True, progress=quiet())
    assert sorted(fake.graded) == ["s01", "s02", "s03"] and result.resumed == 0


def test_a_grader_bug_on_one_student_is_that_students_error(monkeypatch, tmp_path):
    monkeypatch.setattr(gradetask, "grade_student", FakeGrader(bug_for=("s02",)))
    result = run_batch(simple_roster(tmp_path, 3), out=tmp_path / "out", progress=quiet())
    by_id = {o.student_id: o for o in result.outcomes}
    assert [sid for sid, o in by_id.items() if o.graded] == ["s01", "s03"]
    assert by_id["s02"].message.startswith("internal error in the grader: KeyError: 'boom' (traceback in ")
    log = tmp_path / "out" / "students" / "s02" / "grader-error.log"
    assert "KeyError" in log.read_text() and str(log) in by_id["s02"].message
    assert result.exit_code == 1


def test_an_internal_fault_stops_the_run_with_exit_3_and_keeps_what_was_written(fake, tmp_path, monkeypatch, capsys):
    real_write = gradetask.atomic_write

    def atomic_write(path, data):
        if Path(path).parent.name == "s03":
            raise OSError(28, "No space left on device")
        return real_write(path, data)

    monkeypatch.setattr(gradetask, "atomic_write", atomic_write)
    out = tmp_path / "out"
    code = main(["batch", str(simple_roster(tmp_path, 5)), "--out", str(out), "--jobs", "1", "--workers", "0"])
    err = capsys.readouterr().err
    assert code == 3
    assert "grader: internal error: OSError: [Errno 28] No space left on device (traceback in" in err
    assert (out / "students" / "s01" / "report.json").is_file() and (out / "students" / "s02" / "report.json").is_file()
    klass = json.loads((out / "class.json").read_text())
    assert [s["status"] for s in klass["students"]][2:] == ["error", "error", "error"]


def test_progress_and_summary_in_a_non_terminal(fake, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["batch", str(simple_roster(tmp_path, 3)), "--out", str(out), "--workers", "0"])
    captured = capsys.readouterr()
    assert code == 0
    lines = captured.err.strip().splitlines()
    assert len(lines) == 3
    assert all(re.fullmatch(r"\[[123]/3\] s0[123] graded \d+\.\d%", line) for line in lines), lines
    assert sorted(line.split()[0] for line in lines) == ["[1/3]", "[2/3]", "[3/3]"]
    assert "\x1b[" not in captured.err
    summary = captured.out.strip().splitlines()
    assert summary[0].startswith("graded 3 of 3 students; could not be graded: 0; mean score ")
    assert summary[-1] == f"class report: {(out / 'index.html').resolve()}"


def test_progress_lines_for_errors(tmp_path, monkeypatch):
    monkeypatch.setattr(gradetask, "grade_student", FakeGrader(bug_for=("s01",)))
    stream = io.StringIO()
    run_batch(simple_roster(tmp_path, 1), out=tmp_path / "out", progress=Progress(stream))
    assert stream.getvalue().startswith("[1/1] s01 error: internal error in the grader: KeyError")


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_rich_progress_bar(fake, tmp_path):
    stream = FakeTerminal()
    progress = Progress.for_stream(stream)
    assert isinstance(progress, RichProgress)
    assert type(Progress.for_stream(io.StringIO())) is Progress
    result = run_batch(simple_roster(tmp_path, 3), out=tmp_path / "out", progress=progress)
    assert result.graded == 3
    assert "3/3" in stream.getvalue()


# -- crash safety: SIGKILL part-way, then --resume ----------------------------------------------


@pytest.fixture
def slow_identity(monkeypatch):
    """Slow the moto server's GetCallerIdentity (the server runs in this process), so a batch in
    a subprocess takes long enough to be killed part-way."""
    import moto.sts.responses as sts_responses

    real = sts_responses.TokenResponse.get_caller_identity

    def slow(self, *args, **kwargs):
        time.sleep(0.4)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(sts_responses.TokenResponse, "get_caller_identity", slow)


def test_sigkill_part_way_then_resume_grades_every_student_exactly_once(build, moto_url, tmp_path, slow_identity,
                                                                       capsys):
    accounts = [build(Scenario()), build(Scenario(configs_left=("us-east-2",)))]
    n = 10
    roster = write_roster(tmp_path / "roster.csv",
                          [role_row(f"s{i:02d}", accounts[i % 2]) for i in range(1, n + 1)], crlf=True)
    out = tmp_path / "out"
    argv = ["batch", str(roster), "--out", str(out), "--endpoint-url", moto_url, "--regions", "us-east-2",
            "--jobs", "2"]
    proc = subprocess.Popen([sys.executable, "-m", "grader.cli", *argv], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ})
    try:
        deadline = time.monotonic() + 90
        while len(list(out.glob("students/*/report.json"))) < 3:
            assert proc.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline, "no student was graded in time"
            time.sleep(0.02)
        workers = children_of(proc.pid)  # --workers defaults to the cores: forked from the batch
        assert workers
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert wait_gone(workers) == []  # they saw their pipe close and ended (no orphans)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    done_before = {p.parent.name: json.loads(p.read_text())["generated_at"] for p in out.glob("students/*/report.json")}
    assert 3 <= len(done_before) < n

    capsys.readouterr()
    code = main([*argv, "--resume"])
    err = capsys.readouterr().err

    assert code == 0
    assert err.count("(resumed)") == len(done_before)
    assert len(re.findall(r"\] s\d\d graded ", err)) == n - len(done_before)
    for sid, stamp in done_before.items():  # not graded again
        assert json.loads((out / "students" / sid / "report.json").read_text())["generated_at"] == stamp
    ids = [f"s{i:02d}" for i in range(1, n + 1)]
    klass = json.loads((out / "class.json").read_text())
    assert [s["student"]["id"] for s in klass["students"]] == ids
    assert [r[0] for r in read_grades(out)[1:]] == ids
    for sid in ids:
        report = json.loads((out / "students" / sid / "report.json").read_text())
        assert report["student"]["id"] == sid and report["status"] in ("pass", "fail")
        assert (out / "students" / sid / "report.html").stat().st_size > 0
    assert not list(out.rglob("*.tmp"))


def test_resume_regrades_when_a_threshold_changes_and_reports_show_effective_params(build, moto_url, tmp_path):
    """Same rubric id and version, one threshold edited: --resume must not keep the old verdicts."""
    import yaml

    from grader.rubric import shipped_rubrics
    from tests.reliability.helpers import write_notebooks

    complete = build(Scenario())
    write_notebooks(tmp_path / "class" / "subs" / "s01", complete)
    roster = write_roster(tmp_path / "class" / "roster.csv", [role_row("s01", complete, notebooks="subs/s01")])
    out = tmp_path / "out"
    args = ["batch", str(roster), "--out", str(out), "--endpoint-url", moto_url, "--regions", ",".join(REGIONS)]
    assert main(args) == 0

    def accuracy_item() -> dict:
        report = json.loads((out / "students" / "s01" / "report.json").read_text())
        return next(i for i in report["items"] if i["id"] == "nb-credit-accuracy"), report["rubric"]["digest"]

    first, digest = accuracy_item()
    assert first["status"] == "pass" and first["params"]["min_accuracy"] == 0.65

    data = yaml.safe_load(shipped_rubrics()["sagemaker-13.2"].read_text())
    for item in data["items"]:
        if item["id"] == "nb-credit-accuracy":
            item["params"]["min_accuracy"] = 0.99
    strict = tmp_path / "strict.yaml"
    strict.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main([*args, "--rubric", str(strict), "--resume"]) == 0  # batch: 0 = every student graded
    second, digest2 = accuracy_item()
    assert digest2 != digest
    assert second["status"] == "fail" and second["params"]["min_accuracy"] == 0.99
    html = (out / "students" / "s01" / "report.html").read_text()
    assert "min_accuracy=0.99" in html


def test_an_unreachable_endpoint_is_named_in_the_students_row(tmp_path):
    from grader.demo.moto_env import free_port

    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    roster = write_roster(tmp_path / "roster.csv", [{"student_id": "s01"}])
    result = run_batch(roster, out=tmp_path / "out", endpoint_url=url, progress=quiet())
    (outcome,) = result.outcomes
    assert outcome.status == "error" and url in (outcome.message or ""), outcome.message
