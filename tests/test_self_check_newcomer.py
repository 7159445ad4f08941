"""`grader self-check` for a student in a folder of copies (issue 16): the report's title, and
which notebook file was graded when several match one lesson notebook."""

from __future__ import annotations

import shutil

from grader.demo.scenario import Scenario
from tests.test_self_check import (  # noqa: F401
    FEW_REGIONS,
    flat,
    saved_report,
    self_check,
    student_shell,
    write_lesson_notebooks,
)


def test_the_report_title_names_the_account_not_me(build, student_shell, capsys):  # noqa: F811
    built = build(Scenario())
    home = student_shell(built)
    code, _, err = self_check(capsys, "--regions", FEW_REGIONS, "--notebooks", str(home))
    assert code in (0, 1), err
    report = saved_report(home)
    assert report["student"]["id"] == "self-check"
    assert report["student"]["name"] == f"Self-check of AWS account {built.account_id}"
    page = (home / "grader-report" / "report.html").read_text(encoding="utf-8")
    assert f"<title>Grade report: Self-check of AWS account {built.account_id}" in page
    assert ">me<" not in page


def test_several_matching_notebooks_say_which_was_graded(build, student_shell, capsys):  # noqa: F811
    built = build(Scenario())
    home = student_shell(built)
    folder = write_lesson_notebooks(home / "work", built)
    shutil.copy(folder / "rainfall_forecast.ipynb", folder / "rainfall_forecast (1).ipynb")
    code, out, err = self_check(capsys, "--regions", FEW_REGIONS, "--notebooks", str(folder))
    assert code in (0, 1), err
    said = flat(out)
    assert f"rainfall_forecast.ipynb: graded {folder / 'rainfall_forecast.ipynb'}" in said
    assert f"ignored (also matching): {folder / 'rainfall_forecast (1).ipynb'}" in said
    page = flat((home / "grader-report" / "report.html").read_text(encoding="utf-8"))
    assert "ignored (also matching)" in page and "rainfall_forecast (1).ipynb" in page
