"""The bad-input corpus (tests/data/bad/cases.yaml): every malformed notebook, roster, rubric,
saved report and option there gives its expected exit code and message, never a traceback, and
never damages what an earlier run wrote in --out.

Cases run in this process through `grader.cli.main` (the CLI's one exception-to-exit-code
place), a few (`subprocess: true`) as a real `python -m grader.cli` process. AWS_ENDPOINT_URL
points at a closed local port, so no case can reach real AWS; cases that need an endpoint name
the test's moto server.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from grader.cli import main
from grader.demo.notebook_factory import credit_notebook, rainfall_notebook, to_json
from tests.reliability.helpers import tree

DATA = Path(__file__).resolve().parents[1] / "data" / "bad"
EXPECTED = Path(__file__).resolve().parents[1] / "reports" / "expected"
MANIFEST = yaml.safe_load((DATA / "cases.yaml").read_text(encoding="utf-8"))
CASES = MANIFEST["cases"]
NOTEBOOK_ITEMS = ("nb-rainfall-executed", "nb-rainfall-metrics", "nb-credit-executed", "nb-credit-accuracy",
                  "nb-credit-workflow")
MAX_SECONDS = 20  # any one case; the slowest (a 20 MB file, 20,000 outputs) take about a second


def test_corpus_is_large_and_well_formed():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)) >= 50
    kinds = {i.split("-")[0] for i in ids}
    assert kinds == {"nb", "roster", "rubric", "report", "opt"}
    for case in CASES:
        assert set(case) <= {"id", "argv", "exit", "stderr", "subprocess", "students", "notebook", "make", "statuses",
                             "message"}, case["id"]
        assert ("argv" in case) != ("notebook" in case or "make" in case), case["id"]
        if case.get("exit") == 2:
            assert case.get("stderr"), case["id"]
        if "notebook" in case:
            assert (DATA / case["notebook"]).is_file(), case["id"]
    on_disk = {str(p.relative_to(DATA)) for p in DATA.rglob("*") if p.is_file() and p.parent != DATA}
    used = {c["notebook"] for c in CASES if "notebook" in c} | {
        a.replace("{data}/", "") for c in CASES for a in c.get("argv", []) if a.startswith("{data}/")}
    assert on_disk <= used, on_disk - used  # every file of the corpus is a case


# -- making the inputs ----------------------------------------------------------------------------
def make_notebook(kind: str, path: Path) -> None:
    """Inputs that are generated rather than kept in the repository."""
    from grader.notebooks import MAX_BYTES

    if kind == "deep":
        path.write_text("[" * 100_000 + "]" * 100_000)
    elif kind == "huge":  # sparse: costs no disk
        with path.open("wb") as fh:
            fh.write(b'{"nbformat": 4, "cells": [')
            fh.truncate(MAX_BYTES + 1)
    elif kind == "folder":
        path.mkdir()
        (path / "rainfall_forecast.ipynb").write_text("{}")
    elif kind == "fifo":  # reading it would block forever
        os.mkfifo(path)
    elif kind == "dev-zero":  # reading it would never end
        path.symlink_to("/dev/zero")
    elif kind == "many-outputs":  # a training log printed in 20,000 separate writes
        nb = json.loads(to_json(rainfall_notebook()))
        cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": f"[{i}] loss 0.{i:05d}\n"}
                           for i in range(20_000)]
        path.write_text(json.dumps(nb))
    else:  # pragma: no cover - a manifest typo
        raise AssertionError(f"unknown make: {kind}")


def seed_out(out: Path) -> dict[str, bytes]:
    """An --out folder holding an earlier run's files; returns its contents."""
    out.mkdir()
    for name in ("report.json", "report.html"):
        shutil.copy(EXPECTED / "graded" / name, out / name)
    shutil.copy(EXPECTED / "class" / "class.json", out / "class.json")
    return tree(out)


def notebook_case(case: dict, tmp: Path) -> list[str]:
    sub = tmp / "submission"
    sub.mkdir()
    target = sub / "rainfall_forecast.ipynb"
    if "notebook" in case:
        shutil.copy(DATA / case["notebook"], target)
    else:
        make_notebook(case["make"], target)
    (sub / "credit-risk-classification.ipynb").write_text(to_json(credit_notebook()), encoding="utf-8")
    return ["check", "--rubric", "{data}/notebook-items.yaml", "--notebooks", str(sub), "--endpoint-url", "{moto}",
            "--out", "{out}", "--format", "json,html,csv,md,junit,gradescope"]


# -- running ---------------------------------------------------------------------------------------
def run_in_process(argv, capsys, caplog) -> tuple[int, str, str, list[str]]:
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        code = main(argv)
    captured = capsys.readouterr()
    tracebacks = [f"{r.name}: {r.getMessage()}" for r in caplog.records
                  if r.exc_info and r.levelno >= logging.WARNING]
    return code, captured.out, captured.err, tracebacks


def run_subprocess(argv) -> tuple[int, str, str, list[str]]:
    proc = subprocess.run([sys.executable, "-m", "grader.cli", *argv], capture_output=True, timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"), []


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case, request, tmp_path, capsys, caplog, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # closed: nothing reaches real AWS
    out = tmp_path / "out"
    is_notebook = "argv" not in case
    argv = notebook_case(case, tmp_path) if is_notebook else list(case["argv"])
    expected_exit = case.get("exit", 1 if is_notebook else None)
    before = seed_out(out) if expected_exit == 2 else None
    data_before = tree(DATA)
    values = {"data": str(DATA), "out": str(out), "tmp": str(tmp_path)}
    if any("{moto}" in a for a in argv):
        values["moto"] = request.getfixturevalue("moto_url")
    argv = [a.format(**values) for a in argv]

    started = time.perf_counter()
    runner = run_subprocess if case.get("subprocess") else lambda a: run_in_process(a, capsys, caplog)
    code, stdout, stderr, tracebacks = runner(argv)
    elapsed = time.perf_counter() - started

    assert code == expected_exit, (code, stderr[-2000:])
    assert "Traceback" not in stdout + stderr
    assert tracebacks == []
    assert elapsed < MAX_SECONDS
    if expected_exit == 2:
        lines = stderr.strip().splitlines()
        assert len(lines) == 1, stderr
        assert lines[0].startswith("grader: error: ")
        assert case["stderr"] in lines[0], lines[0]
        assert tree(out) == before  # nothing an earlier run wrote is lost or changed
    assert tree(DATA) == data_before  # inputs are never written
    assert not list(tmp_path.glob("**/.*.tmp"))  # no half-written file left behind
    if "students" in case:
        data = json.loads((out / "class.json").read_text(encoding="utf-8"))
        assert [s["student"]["id"] for s in data["students"]] == case["students"]
        assert all(p.resolve().is_relative_to(out.resolve()) for p in out.rglob("*"))
    if is_notebook:
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        statuses = {i["id"]: i["status"] for i in report["items"]}
        assert statuses == case["statuses"], statuses
        first = report["items"][0]
        assert first["id"] == "nb-rainfall-executed"
        if "message" in case:
            assert case["message"] in first["message"], first["message"]
        if first["status"] != "pass":
            assert first["remediation"] and "Lesson step" in first["remediation"]
        for name in ("report.html", "report.csv", "report.md", "report.junit.xml", "results.json"):
            assert (out / name).stat().st_size > 0
        json.loads((out / "results.json").read_text(encoding="utf-8"))


BROKEN_CHECK = """
import sys
from grader.registry import check

@check("test-broken", title="broken", category="IAM", remediation="-", permissions=["iam:ListUsers"])
def broken(ctx, params):
    raise KeyError("boom")

from grader.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_grader_bug_in_one_check_prints_one_line_and_no_traceback(tmp_path, moto_url):
    """In a real process: a check that raises is that item's `error`; the terminal gets one line
    naming a log file, and the traceback is in that file, not on the screen."""
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text("id: t\ntitle: t\nversion: 1\nitems:\n  - {id: test-broken, points: 1}\n"
                      "  - {id: iam-admin-user, points: 1}\n")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-c", BROKEN_CHECK, "check", "--rubric", str(rubric), "--endpoint-url",
                           moto_url, "--out", str(out), "--format", "json"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "test-broken" in lines[0] and "KeyError" in lines[0], proc.stderr
    log = Path(lines[0].rsplit("(traceback in ", 1)[1].rstrip(")"))
    try:
        assert "Traceback" in log.read_text(encoding="utf-8") and "boom" in log.read_text(encoding="utf-8")
    finally:
        log.unlink()
    item = json.loads((out / "report.json").read_text())["items"][0]
    assert item["status"] == "error" and "Internal error" in item["message"]
