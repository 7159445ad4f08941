"""Paths: student ids become safe folder names under --out, nothing is ever written outside it, and
two ids that would share a folder are an input error naming both roster lines.

The batch runs here use roster rows with an external_id and no role_arn: such a student is
reported as not gradable without any AWS call, so these tests exercise the writing only.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from grader.cli import main
from grader.output import safe_name
from tests.reliability.helpers import tree

RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
HOSTILE_IDS = ["../../x", "/etc/passwd", "C:\\Windows\\x", "CON", "nul.txt", "com1", "..", "~user", "$HOME",
               "\\\\server\\share", "a/../../../b", "élève-学生", "\u202ertl", "x" * 300, "-rf", " spaced id ",
               "%2e%2e%2fup", "s01\u0301", "ＡＢＣ"]


def roster(path, ids, extra=None):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["student_id", "name", "external_id"])
    for i, sid in enumerate(ids):
        writer.writerow([sid, (extra or {}).get(sid, f"Student {i}"), f"ext-{i}"])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=300))
@example("-:-")  # "-_-": stripping dots then dashes then dots again left "-"
@example("._-.-x")
def test_safe_name_property(student_id):
    name = safe_name(student_id)
    assert name and len(name) <= 100
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in name), name
    assert name not in (".", "..") and not name.startswith((".", "-"))
    assert name.lower().split(".")[0] not in RESERVED
    assert name == safe_name(unicodedata.normalize("NFKC", student_id))


def test_hostile_ids_become_safe_folders_and_nothing_escapes(tmp_path, capsys):
    work = tmp_path / "work"
    work.mkdir()
    out = work / "class" / "out"
    ids = HOSTILE_IDS
    assert len({safe_name(i).lower() for i in ids}) == len(ids)  # no two share a folder
    path = roster(work / "roster.csv", ids)
    outside_before = {p for p in tmp_path.rglob("*") if not p.is_relative_to(out)}
    code = main(["batch", str(path), "--out", str(out), "--format", "json,html,csv,junit,md,gradescope"])
    captured = capsys.readouterr()
    assert code == 1, captured.err  # every student "not gradable" (external_id without role_arn)
    assert {p for p in tmp_path.rglob("*") if not p.is_relative_to(out)} == outside_before | {out.parent}
    folders = sorted(p.name for p in (out / "students").iterdir())
    assert folders == sorted(safe_name(i) for i in ids)
    for p in out.rglob("*"):
        assert p.resolve().is_relative_to(out.resolve()), p
        assert not p.is_symlink()
    for sid in ids:
        data = json.loads((out / "students" / safe_name(sid) / "report.json").read_text(encoding="utf-8"))
        assert data["student"]["id"] == sid.strip()  # the roster strips values
    index = (out / "index.html").read_text(encoding="utf-8")
    for sid in ids:
        assert f'href="students/{safe_name(sid)}/report.html"' in index


def test_ids_that_share_a_folder_are_an_input_error_naming_both_rows(tmp_path, capsys):
    out = tmp_path / "out"
    for first, second in [("../../x", "..\\..\\x"), ("CON", "con"), ("Ada Lovelace", "ada_lovelace"),
                          ("ＡＢＣ", "ABC"), (".", ".."), ("x" * 100 + "a", "x" * 100 + "b")]:
        path = roster(tmp_path / "roster.csv", ["s00", first, second])
        code = main(["batch", str(path), "--out", str(out)])
        err = capsys.readouterr().err.strip()
        assert code == 2
        assert len(err.splitlines()) == 1, err
        assert "line 4" in err and "(line 3)" in err and repr(second) in err and repr(first) in err, err
        assert not out.exists()  # nothing written


def test_report_rerender_of_hostile_ids_stays_under_out(tmp_path, capsys):
    src = tmp_path / "src"
    path = roster(tmp_path / "roster.csv", HOSTILE_IDS[:8])
    assert main(["batch", str(path), "--out", str(src)]) == 1
    reports = sorted(str(p) for p in (src / "students").glob("*/report.json"))
    assert len(reports) == 8
    out = tmp_path / "deep" / "out"
    before = tree(src)
    code = main(["report", *reports, "--out", str(out), "--format", "json,html,md"])
    capsys.readouterr()
    assert code == 0
    assert tree(src) == before
    written = [p for p in out.rglob("*") if p.is_file()]
    assert len(written) == 8 * 3
    assert all(p.resolve().is_relative_to(out.resolve()) and p.parent.parent == out for p in written)


def test_check_never_uses_the_student_id_as_a_path(tmp_path, capsys, moto_url):
    out = tmp_path / "a" / "out"
    code = main(["check", "--student", "../../../escape", "--endpoint-url", moto_url, "--regions", "us-east-2",
                 "--out", str(out), "--format", "json,html"])
    capsys.readouterr()
    assert code in (0, 1)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["report.html", "report.json"]
    assert json.loads((out / "report.json").read_text())["student"]["id"] == "../../../escape"
