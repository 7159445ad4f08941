"""`grader templates`: the starter notebooks and data come out of the installed package."""

from __future__ import annotations

import nbformat

from grader.cli import main


def test_templates_are_copied_and_valid(tmp_path, capsys):
    out = tmp_path / "lesson"
    assert main(["templates", "--out", str(out)]) == 0
    assert capsys.readouterr().out.count("wrote ") == 7
    for name in ("rainfall_forecast.ipynb", "credit-risk-classification.ipynb"):
        nbformat.validate(nbformat.read(out / name, as_version=4))
    assert (out / "data" / "german_credit_data.csv").read_text().splitlines()[0].endswith("Risk")
    assert len((out / "data" / "y_austin_final.csv").read_text().splitlines()) == 1319


def test_existing_work_is_never_overwritten(tmp_path, capsys):
    out = tmp_path / "lesson"
    out.mkdir()
    (out / "rainfall_forecast.ipynb").write_text("my work")
    assert main(["templates", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already exists" in err
    assert (out / "rainfall_forecast.ipynb").read_text() == "my work"
    assert not (out / "credit-risk-classification.ipynb").exists()
