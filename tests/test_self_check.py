"""`grader self-check`: a student grades their own account and the notebooks in the current folder.

The command runs in-process (`grader.cli.main`) with the current folder set to a temporary one,
against synthetic accounts on the real moto server. Credentials come from the environment, as in
a SageMaker Studio terminal (the execution role's temporary credentials) or a laptop: the
`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` of the student's account and
`AWS_ENDPOINT_URL` pointing at the server. The terminal output goes to a pipe (no TTY).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import boto3
import pytest

from checks import get_check
from grader.cli import main
from grader.demo.scenario import Scenario
from grader.terminal import print_student_summary

FEW_REGIONS = "us-east-2,ca-central-1,us-west-2"


# -- executed lesson notebooks (the notebook factory), naming the built student's resources -------

def write_lesson_notebooks(folder: Path, built=None) -> Path:
    """`rainfall_forecast.ipynb` and `credit-risk-classification.ipynb`, executed in order without
    errors, naming the built student's private bucket and training jobs (when given)."""
    from grader.demo.notebook_factory import credit_notebook, rainfall_notebook, write_submission

    names = {}
    if built is not None:
        jobs = built.resources.get("training_jobs", [])
        names = {"bucket": built.resources.get("private_bucket")}
        rain = next((j for j in jobs if "rainfall" in j), None)
        credit = next((j for j in jobs if "credit" in j), None)
        return write_submission(folder, rainfall=rainfall_notebook(**names, job_name=rain),
                                credit=credit_notebook(**names, job_name=credit))
    return write_submission(folder, rainfall=rainfall_notebook(), credit=credit_notebook())


# -- running self-check as a student would ---------------------------------------------------------

@pytest.fixture
def student_shell(moto_url, monkeypatch, tmp_path):
    """Enter a student's account the way a terminal would: credentials and endpoint from the
    environment, the current folder a fresh one. Returns a function(built) -> that folder."""

    def enter(built):
        sts = boto3.client("sts", region_name="us-east-1", endpoint_url=moto_url)
        creds = sts.assume_role(RoleArn=built.role_arn, RoleSessionName="studio")["Credentials"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
        monkeypatch.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])
        monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
        monkeypatch.setenv("COLUMNS", "400")  # a wide terminal: long paths stay on one line
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        monkeypatch.chdir(home)
        return home

    return enter


def self_check(capsys, *args):
    code = main(["self-check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def flat(text: str) -> str:
    return " ".join(text.split())


def saved_report(folder: Path) -> dict:
    return json.loads((folder / "grader-report" / "report.json").read_text(encoding="utf-8"))


def test_failing_item_exits_1_and_prints_its_remediation(build, student_shell, capsys):
    home = student_shell(build(Scenario(admin_via="none")))
    code, out, err = self_check(capsys, "--regions", FEW_REGIONS)
    assert code == 1, err
    report = saved_report(home)
    failing = next(i for i in report["items"] if i["id"] == "iam-admin-group-policy")
    assert failing["status"] == "fail"
    remediation = get_check("iam-admin-group-policy").remediation
    text = flat(out)
    assert flat(remediation) in text
    assert flat(failing["message"]) in text
    # the score comes first, the failing item before the passing block, then where the report is
    score = f"Score: {report['score']['earned']:g}/{report['score']['possible']:g}"
    assert text.startswith("grader self-check:") and score in text
    assert text.index(score) < text.index("iam-admin-group-policy") < text.index("Passing (")
    passing_block = text[text.index("Passing ("):]
    assert "iam-admin-user" in passing_block and "iam-admin-group-policy" not in passing_block
    html = (home / "grader-report" / "report.html").resolve()
    assert html.is_file() and f"Full report: {html}" in text


def test_endpoint_left_running_exits_1_and_says_to_delete_it(build, student_shell, capsys):
    home = student_shell(build(Scenario(endpoints_left=("us-west-2",))))
    code, out, _ = self_check(capsys, "--regions", FEW_REGIONS)
    assert code == 1
    item = next(i for i in saved_report(home)["items"] if i["id"] == "cleanup-endpoints")
    assert item["status"] == "fail"
    assert flat(item["remediation"]) in flat(out) and "step 10" in item["remediation"].lower()


def test_notebooks_in_the_current_folder_are_graded_without_flags(build, student_shell, capsys):
    built = build(Scenario())
    home = student_shell(built)
    write_lesson_notebooks(home, built)
    code, out, err = self_check(capsys)  # no flags at all: notebooks ".", the rubric's regions
    assert code in (0, 1) and err == "", err
    items = {i["id"]: i for i in saved_report(home)["items"]}
    nb_items = {k: v for k, v in items.items() if v["category"] == "Notebooks"}
    assert nb_items and not any("no notebooks were given" in v["message"] for v in nb_items.values())
    assert items["nb-rainfall-executed"]["status"] == "pass", items["nb-rainfall-executed"]
    assert items["nb-credit-executed"]["status"] == "pass", items["nb-credit-executed"]
    assert f"notebooks from {home.resolve()}" in flat(out)


def test_an_empty_current_folder_fails_the_notebook_items(build, student_shell, capsys):
    home = student_shell(build(Scenario()))
    code, out, _ = self_check(capsys, "--regions", FEW_REGIONS)
    assert code == 1
    items = {i["id"]: i for i in saved_report(home)["items"]}
    assert items["nb-rainfall-executed"]["status"] == "fail"
    assert items["nb-credit-executed"]["status"] == "fail"
    assert "nb-rainfall-executed" in out


def test_complete_student_exits_0(build, student_shell, capsys):
    built = build(Scenario())
    home = student_shell(built)
    code, out, _ = self_check(capsys, "--regions", FEW_REGIONS, "--notebooks", str(tmp_notebooks(home, built)))
    report = saved_report(home)
    not_passing = {i["id"]: i["status"] for i in report["items"] if i["status"] in ("fail", "partial", "error")}
    assert (code, not_passing) == (0, {}), out
    assert "To fix" not in out and "everything graded passes" in out


def tmp_notebooks(home: Path, built) -> Path:
    folder = home / "lesson work"
    folder.mkdir()
    return write_lesson_notebooks(folder, built)


def test_unreachable_aws_exits_3_with_one_line(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    code, out, err = self_check(capsys, "--regions", "us-east-2")
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and err.startswith("grader: error:") and "Traceback" not in err


@pytest.mark.parametrize("args", [["--notebooks", "no-such-folder"], ["--format", "pdf"], ["--regions", ","],
                                  ["--rubric", "no-such-rubric"], ["--no-such-option"]])
def test_input_errors_exit_2_with_one_line(capsys, monkeypatch, tmp_path, args):
    monkeypatch.chdir(tmp_path)
    code, out, err = self_check(capsys, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("grader: error:")
    assert not (tmp_path / "grader-report").exists()


# -- the terminal output itself -------------------------------------------------------------------

def _report(message: str, title: str = "No SageMaker endpoint is left") -> dict:
    items = [
        {"id": "cleanup-endpoints", "title": title, "category": "Clean-up", "status": "fail",
         "points": {"earned": 0, "possible": 8}, "message": message, "evidence": {},
         "remediation": "Lesson step 10 (Deleting AWS Resources): delete every endpoint."},
        {"id": "s3-public-object", "title": "An object anyone can read", "category": "S3", "status": "partial",
         "points": {"earned": 4.5, "possible": 9}, "message": "half", "evidence": {}, "remediation": "Step 4: x"},
        {"id": "s3-private-object", "title": "t", "category": "S3", "status": "error",
         "points": {"earned": 0, "possible": 5}, "message": "Could not be determined: AccessDenied",
         "evidence": {"code": "AccessDenied"}, "remediation": "check access"},
        {"id": "iam-root-hygiene", "title": "root", "category": "IAM", "status": "warn",
         "points": {"earned": 2, "possible": 2}, "message": "MFA is off", "evidence": {}, "remediation": "turn on MFA"},
        {"id": "iam-billing-access", "title": "billing", "category": "IAM", "status": "manual",
         "points": {"earned": 0, "possible": 0}, "message": "a person confirms", "evidence": {}, "remediation": "-"},
    ] + [{"id": f"iam-item-{n}", "title": "ok", "category": "IAM", "status": "pass",
          "points": {"earned": 5, "possible": 5}, "message": "fine", "evidence": {}, "remediation": None}
         for n in range(6)]
    return {"rubric": {"id": "sagemaker-13.2", "title": "Lesson 13.2"}, "status": "fail",
            "student": {"id": "me", "account_id": "123456789012"},
            "score": {"earned": 36.5, "possible": 54, "percent": 67.6}, "items": items}


def render(report: dict, **kwargs) -> str:
    buf = io.StringIO()
    print_student_summary(report, [Path("out/report.json"), Path("out/report.html")], audience="student",
                          stream=buf, **kwargs)
    return buf.getvalue()


def test_student_strings_are_never_markup_or_escape_codes():
    hostile = "endpoint [/] [bold red]x[/bold red] :smile: \x1b[2J\x1b]0;owned\x07 [link=http://e.vil]y[/link]"
    out = render(_report(hostile, title="[blink]title[/]"))
    assert "[/] [bold red]x[/bold red] :smile:" in out and "[link=http://e.vil]y[/link]" in out
    assert "[blink]title[/]" in out
    assert "\x1b" not in out and "\x07" not in out


def test_order_score_then_to_fix_by_points_then_compact_passing_block():
    out = render(_report("1 endpoint left"), notebooks=Path("."))
    lines = out.splitlines()
    assert lines[1].startswith("Score: 36.5/54 (67.6%)")
    order = [out.index(s) for s in ("cleanup-endpoints", "s3-public-object", "s3-private-object",
                                    "iam-root-hygiene", "iam-billing-access", "Passing (6)", "report.html")]
    assert order == sorted(order)
    passing = out[out.index("Passing (6)"):out.index("Full report")]
    assert len([ln for ln in passing.splitlines() if ln.strip()]) <= 3  # one compact block
    assert "Fix: Lesson step 10" in out and "Advice: turn on MFA" in out
    assert "Access was denied" in out  # an AccessDenied error tells the student what to do
    assert str(Path("out/report.html").resolve()) in out
    assert f"notebooks from {Path('.').resolve()}" in out


def test_narrow_terminal_wraps_to_its_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    long = "endpoint " + "x" * 90 + " in us-east-2 (InService)"
    out = render(_report(long))
    assert max(len(line) for line in out.splitlines()) <= 40
    assert "x" * 30 in out.replace("\n", "").replace(" ", "")
    assert not any(line.endswith(" ") for line in out.splitlines())


class _BareStream:
    """A stream with only write/flush (no isatty, no encoding), like some notebook or CI pipes."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def test_no_tty_assumptions_and_an_ascii_only_stream(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    bare = _BareStream()
    print_student_summary(_report("caf\u00e9 \u2713 left"), [], audience="student", stream=bare)
    text = "".join(bare.parts)
    assert "Score: 36.5/54" in text and "\x1b[" not in text  # no colour codes into a pipe
    assert max(len(line) for line in text.splitlines()) <= 100

    ascii_stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    print_student_summary(_report("caf\u00e9 \u2713 left"), [], audience="student", stream=ascii_stream)
    ascii_stream.flush()
    written = ascii_stream.buffer.getvalue().decode("ascii")
    assert re.search(r"caf\? \? left", written)
