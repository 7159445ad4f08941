"""`grader execute`: bad input is one line and exit 2; a run writes the executed copy and
reproduction.json and exits 1 when a notebook does not reproduce."""

from __future__ import annotations

import json

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from grader.cli import main


def test_execute_a_missing_folder_is_an_input_error(tmp_path, capsys):
    assert main(["execute", str(tmp_path / "nope"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("grader: error:") and len(err.splitlines()) == 1


def test_execute_writes_the_executed_copy_and_the_record(tmp_path, capsys):
    sub = tmp_path / "sub"
    sub.mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("print('accuracy_score: 0.74')")]),
                   sub / "Credit_Risk_Classification (1).ipynb")
    out = tmp_path / "out"
    assert main(["execute", str(sub), "--out", str(out), "--seeds", "1"]) == 1
    printed = capsys.readouterr().out
    assert "credit: completed" in printed and "rainfall: not-found" in printed and "sandbox: no network" in printed
    executed = nbformat.read(out / "Credit_Risk_Classification (1).ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"] == "accuracy_score: 0.74\n"
    record = json.loads((out / "reproduction.json").read_text())
    assert record["runs"]["credit"]["status"] == "completed"
    assert record["verdicts"]["nb-credit-reproduced"]["status"] == "fail"  # no confusion matrix: cannot tell
    assert record["verdicts"]["nb-rainfall-reproduced"]["status"] == "fail"
