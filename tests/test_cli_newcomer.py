"""What a newcomer trips over on the command line (issue 16): bare `grader`, input errors found
before grading (--format "", --external-id alone, a notebook file as --notebooks, an unusable
--out), regions in any case, the unreachable endpoint named, -q/-v/--no-color, --open."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import webbrowser

import pytest

from grader.cli import main
from grader.demo.moto_env import free_port
from grader.demo.scenario import Scenario
from tests.test_self_check import write_lesson_notebooks

FEW = "us-east-2,ca-central-1,us-west-2"


def run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_exit_2(code, err, *words):
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for w in words:
        assert w in lines[0], lines[0]


def test_bare_grader_prints_the_help_and_exits_0(capsys):
    code, out, err = run([], capsys)
    assert code == 0 and err == ""
    assert out.startswith("Usage: grader") and "Commands:" in out and "self-check" in out
    proc = subprocess.run([sys.executable, "-m", "grader.cli"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("Usage: grader"), proc.stderr


def test_the_command_list_is_not_cut_off():
    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run([sys.executable, "-m", "grader.cli", "--help"], capture_output=True, text=True,
                         env=env).stdout
    commands = out.split("Commands:")[1]
    assert "..." not in commands
    assert "Print the least-privilege read-only IAM policy for a rubric, or a role template." in " ".join(
        commands.split())


@pytest.mark.parametrize("cmd", [["check"], ["self-check"], ["batch", "roster.csv"]])
@pytest.mark.parametrize("fmt", ["", " ", ","])
def test_an_empty_format_is_an_input_error(cmd, fmt, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "roster.csv").write_text("student_id\ns1\n")
    code, _, err = run([*cmd, "--format", fmt, "--endpoint-url", f"http://127.0.0.1:{free_port()}"], capsys)
    one_line_exit_2(code, err, "--format")
    assert not (tmp_path / "grader-report" / "report.json").exists()


@pytest.mark.parametrize("cmd", ["check", "self-check"])
def test_external_id_without_role_arn_is_an_input_error(cmd, capsys, tmp_path):
    code, _, err = run([cmd, "--external-id", "X", "--out", str(tmp_path / "o"),
                        "--endpoint-url", f"http://127.0.0.1:{free_port()}"], capsys)
    one_line_exit_2(code, err, "--external-id", "--role-arn")


@pytest.mark.parametrize("cmd", ["check", "self-check"])
def test_a_notebook_file_as_notebooks_names_the_folder_to_give(cmd, capsys, tmp_path):
    folder = write_lesson_notebooks(tmp_path / "work")
    nb = folder / "rainfall_forecast.ipynb"
    assert nb.is_file()
    code, _, err = run([cmd, "--notebooks", str(nb), "--out", str(tmp_path / "o"),
                        "--endpoint-url", f"http://127.0.0.1:{free_port()}"], capsys)
    one_line_exit_2(code, err, "is a file, not a folder", f"--notebooks {folder.resolve()}")


def _unusable_outs(tmp_path):
    blocked = tmp_path / "blocked"
    (blocked / "report.json").mkdir(parents=True)
    (blocked / "index.html").mkdir()
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    return {"report.json is a folder": (blocked, "is a folder"), "/proc": ("/proc", "cannot write"),
            "a file": (a_file, "not a folder")}


@pytest.mark.parametrize("case", ["report.json is a folder", "/proc", "a file"])
@pytest.mark.parametrize("cmd", ["check", "self-check", "batch"])
def test_an_unusable_out_is_found_before_grading(cmd, case, capsys, tmp_path):
    out, words = _unusable_outs(tmp_path)[case]
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id\ns1\n")
    # nothing listens at the endpoint: grading first would end in exit 3, not 2
    argv = [cmd, *([str(roster)] if cmd == "batch" else []), "--out", str(out),
            "--endpoint-url", f"http://127.0.0.1:{free_port()}"]
    code, _, err = run(argv, capsys)
    one_line_exit_2(code, err, "--out", words)


UNWRITABLE = "import sys; from grader.cli import main; sys.exit(main(sys.argv[1:]))"


@pytest.mark.parametrize("cmd", ["check", "self-check", "batch"])
def test_an_unwritable_out_folder_is_found_before_grading(cmd, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id\ns1\n")
    argv = [cmd, *([str(roster)] if cmd == "batch" else []), "--out", str(folder),
            "--endpoint-url", f"http://127.0.0.1:{free_port()}"]
    python = [sys.executable, "-c", UNWRITABLE, *argv]
    if os.geteuid() == 0:  # root writes into a 0555 folder: make it a read-only mount instead
        script = f'mount --bind "{folder}" "{folder}" && mount -o remount,ro,bind "{folder}" && exec "$@"'
        python = ["unshare", "-m", "sh", "-c", script, "sh", *python]
    else:
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        proc = subprocess.run(python, capture_output=True, text=True, cwd=tmp_path)
    finally:
        folder.chmod(0o755)
    one_line_exit_2(proc.returncode, proc.stderr, "--out", "cannot write files")


def test_an_unreachable_endpoint_is_named(capsys, tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    code, _, err = run(["check", "--endpoint-url", url, "--out", str(tmp_path)], capsys)
    assert code == 3 and err.count("\n") == 1
    assert url in err and "cannot reach the AWS account" in err


def test_regions_in_any_case_on_the_command_line(build, moto_url, tmp_path, capsys):
    built = build()
    for regions, want in (("ALL", None), ("US-EAST-2,Ca-Central-1", ["ca-central-1", "us-east-2"])):
        out = tmp_path / regions.replace(",", "_")
        code, _, err = run(["check", "--endpoint-url", moto_url, "--role-arn", built.role_arn, "--external-id",
                            "ext-123", "--out", str(out), "--regions", regions], capsys)
        assert code in (0, 1), err
        report = json.loads((out / "report.json").read_text())
        scanned = next(i for i in report["items"] if i["id"] == "cleanup-endpoints")["evidence"]
        if want is not None:
            assert sorted(scanned["regions_scanned"]) == want, scanned
        else:
            assert len(scanned["regions_scanned"]) > 3, scanned


def _check_argv(built, moto_url, out, *extra):
    return ["check", "--endpoint-url", moto_url, "--role-arn", built.role_arn, "--external-id", "ext-123",
            "--out", str(out), "--regions", FEW, *extra]


def test_quiet_prints_nothing_and_verbose_logs(build, moto_url, tmp_path, capsys):
    built = build(Scenario())
    code, out, err = run(["-q", *_check_argv(built, moto_url, tmp_path / "q")], capsys)
    assert code in (0, 1) and out == "" and err == ""
    assert (tmp_path / "q" / "report.json").exists()
    code, out, err = run(_check_argv(built, moto_url, tmp_path / "n"), capsys)
    assert "Score:" in out and "grading with rubric" not in err
    proc = subprocess.run([sys.executable, "-m", "grader.cli", "-v", *_check_argv(built, moto_url, tmp_path / "v")],
                          capture_output=True, text=True)  # a real process: the CLI's own log handler
    out, err = proc.stdout, proc.stderr
    assert proc.returncode in (0, 1), err
    assert "Score:" in out and "grader: grading with rubric sagemaker-13.2" in err and built.role_arn in err
    assert "items graded" in err
    code, _, err = run(["-q", "-v", "rubric", "list"], capsys)
    one_line_exit_2(code, err, "--quiet", "--verbose")


def test_open_on_check_without_a_browser_says_so(build, moto_url, tmp_path, capsys, monkeypatch):
    built = build(Scenario())
    monkeypatch.setattr(webbrowser, "open", lambda url: False)
    code, _, err = run([*_check_argv(built, moto_url, tmp_path / "o"), "--open"], capsys)
    assert code in (0, 1)
    assert "no web browser found" in err and str((tmp_path / "o" / "report.html").resolve()) in err
    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    code, _, err = run([*_check_argv(built, moto_url, tmp_path / "p"), "--open"], capsys)
    assert opened == [(tmp_path / "p" / "report.html").resolve().as_uri()] and "no web browser" not in err
