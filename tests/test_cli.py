"""The CLI's contract: exit codes, one-line errors without tracebacks, output files."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from grader.cli import main
from grader.demo.moto_env import free_port


def run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "--bogus"], "No such option '--bogus'"),
        (["check", "--rubric", "nope"], "rubric 'nope': no such shipped rubric"),
        (["check", "--notebooks", "/definitely/not/here"], "--notebooks /definitely/not/here: no such folder"),
        (["check", "--format", "pdf"], "--format: unknown format pdf"),
        (["check", "--regions", ","], "--regions"),
        (["nosuchcommand"], "No such command"),
        (["rubric", "validate", "/no/such/file.yaml"], "and no such file"),
        (["check", "--profile", "no-such-profile-xyz"], "AWS profile 'no-such-profile-xyz' is not configured"),
    ],
)
def test_input_errors_exit_2_with_one_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _out, err = run(argv, capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert message in lines[0]
    assert "Traceback" not in err


def test_invalid_rubric_file_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: t\nversion: 1\nitems:\n  - {id: iam-admin-user, points: -3}\n")
    code, _, err = run(["check", "--rubric", str(bad), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "item iam-admin-user: points" in err
    assert not (tmp_path / "o" / "report.json").exists()


def test_rubric_commands(capsys, tmp_path):
    code, out, _ = run(["rubric", "list"], capsys)
    assert code == 0 and out.startswith("sagemaker-13.2\t")
    code, out, _ = run(["rubric", "show", "sagemaker-13.2"], capsys)
    assert code == 0 and "s3-public-object" in out and "total: 100 points" in out
    code, out, _ = run(["rubric", "validate", "sagemaker-13.2"], capsys)
    assert code == 0 and out.startswith("ok: rubric sagemaker-13.2")


def test_unreachable_endpoint_exits_3(tmp_path, capsys):
    port = free_port()  # nothing listens there
    code, _, err = run(["check", "--endpoint-url", f"http://127.0.0.1:{port}", "--out", str(tmp_path)], capsys)
    assert code == 3
    assert err.count("\n") == 1 and "cannot reach the AWS account" in err and "Traceback" not in err


class Rejecting(BaseHTTPRequestHandler):
    """An endpoint that rejects every credential, as AWS does for a revoked key."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = (b'<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>'
                b'<Message>The security token included in the request is invalid.</Message></Error></ErrorResponse>')
        self.send_response(403)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_rejected_credentials_exit_3(tmp_path, capsys):
    server = HTTPServer(("127.0.0.1", 0), Rejecting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        code, _, err = run(["check", "--endpoint-url", url, "--out", str(tmp_path)], capsys)
    finally:
        server.shutdown()
        server.server_close()
    assert code == 3
    assert "InvalidClientTokenId" in err and err.count("\n") == 1


def test_check_writes_contract_files_over_http(build, moto_url, tmp_path, capsys):
    built = build()
    out = tmp_path / "out"
    code, stdout, err = run(["check", "--endpoint-url", moto_url, "--role-arn", built.role_arn,
                             "--external-id", "ext-123", "--student", "s01", "--out", str(out),
                             "--regions", "us-east-2,ca-central-1"], capsys)
    data = json.loads((out / "report.json").read_text())
    assert data["schema"] == "grader.student-report/1"
    assert data["student"] == {"id": "s01", "name": None, "email": None, "account_id": built.account_id}
    assert {"api_calls", "duration_ms"} <= set(data["stats"])
    assert data["stats"]["api_calls"] > 0
    assert [i["id"] for i in data["items"]][:2] == ["iam-admin-user", "iam-admin-group-policy"]
    for it in data["items"]:
        assert set(it) >= {"id", "title", "category", "status", "points", "message", "evidence", "remediation"}
    assert (out / "report.html").exists()
    assert "iam-admin-user" in stdout and "Score:" in stdout
    assert code == (0 if data["status"] == "pass" else 1)


def test_aws_endpoint_url_environment_variable_works(build, moto_url, tmp_path, monkeypatch, capsys):
    built = build()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    code, _, _ = run(["check", "--role-arn", built.role_arn, "--out", str(tmp_path), "--regions", "us-east-2"],
                     capsys)
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["student"]["account_id"] == built.account_id
    assert code in (0, 1)


def test_console_script_runs_and_has_help():
    """The installed entry point works and every command has help."""
    for cmd in ([], ["check"], ["self-check"], ["rubric"]):
        proc = subprocess.run([sys.executable, "-m", "grader.cli", *cmd, "--help"], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert "Usage:" in proc.stdout
