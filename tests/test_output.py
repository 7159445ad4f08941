"""grader.output: atomic writes whose files follow the umask (not the 0600 of a temp file)."""

from __future__ import annotations

import os
import stat

import pytest

from grader.output import atomic_write
from grader.templates import copy_templates


@pytest.fixture
def umask():
    def set_mask(mask: int) -> None:
        os.umask(mask)

    old = os.umask(0o022)
    os.umask(old)
    yield set_mask
    os.umask(old)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_written_files_follow_the_umask(tmp_path, umask, mask, mode):
    umask(mask)
    atomic_write(tmp_path / "report.json", "{}")
    atomic_write(tmp_path / "x.bin", b"\x00")
    assert stat.S_IMODE((tmp_path / "report.json").stat().st_mode) == mode
    assert stat.S_IMODE((tmp_path / "x.bin").stat().st_mode) == mode


def test_starter_notebooks_a_ta_hands_out_are_readable_by_others(tmp_path, umask):
    umask(0o022)
    written = copy_templates(tmp_path / "starter")
    assert written and all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in written)
