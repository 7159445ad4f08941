"""`grader templates` writes files that follow the umask (issue 16), like any other tool."""

from __future__ import annotations

import os
import stat

import pytest

from grader.cli import main


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_starter_files_follow_the_umask(umask, mode, tmp_path, capsys):
    old = os.umask(umask)
    try:
        code = main(["templates", "--out", str(tmp_path / "lesson")])
    finally:
        os.umask(old)
    assert code == 0, capsys.readouterr().err
    files = [p for p in (tmp_path / "lesson").rglob("*") if p.is_file()]
    assert len(files) == 7
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {mode}
