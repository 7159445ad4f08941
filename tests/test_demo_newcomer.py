"""`grader demo` for a newcomer (issue 16): it says what to open or run next, and `--open` with
no web browser says so instead of doing nothing."""

from __future__ import annotations

import webbrowser

from grader.cli import main


def test_the_demo_says_what_to_do_next_and_that_no_browser_was_found(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(webbrowser, "open", lambda url: False)  # a server: no browser
    out = tmp_path / "demo"
    code = main(["demo", "--out", str(out), "--students", "1", "--open"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    index = (out / "index.html").resolve()
    text = captured.out
    assert "next:" in text and f"open {index}" in text
    assert str((out / "students" / "s01" / "report.html").resolve()) in text
    assert "grader check" in text and "grader batch" in text and "grader self-check" in text
    assert text.strip().splitlines()[-1] == f"class report: {index}"
    assert f"no web browser found to open {index}" in captured.err
    assert "1 student account in" in captured.err and "1 students" not in captured.err
