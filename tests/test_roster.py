"""Roster parsing: every rule of the interface's roster.csv section, with the exact messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.cli import main
from grader.errors import InputError
from grader.roster import parse_roster, read_roster


def write(tmp_path: Path, text: str | bytes, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


def error_of(tmp_path: Path, text: str | bytes) -> str:
    with pytest.raises(InputError) as exc:
        read_roster(write(tmp_path, text))
    return str(exc.value)


def test_every_column_is_read_and_values_are_stripped(tmp_path):
    roster = read_roster(write(tmp_path, (
        "student_id,name,email,profile,role_arn,external_id,notebooks,regions\n"
        " s01 , Ada Park ,ada@example.edu,,arn:aws:iam::111111111111:role/Grader,ext-01,subs/s01,\"us-east-2, ca-central-1\"\n"
        "s02,Ben,,ben-profile,,,/abs/path/s02,all\n"
    )))
    a, b = roster.entries
    assert (a.student_id, a.name, a.email, a.profile) == ("s01", "Ada Park", "ada@example.edu", None)
    assert (a.role_arn, a.external_id) == ("arn:aws:iam::111111111111:role/Grader", "ext-01")
    assert a.notebooks == tmp_path.resolve() / "subs" / "s01"
    assert a.regions == ["us-east-2", "ca-central-1"]
    assert a.line == 2 and b.line == 3
    assert (b.profile, b.role_arn, b.external_id, b.email) == ("ben-profile", None, None, None)
    assert b.notebooks == Path("/abs/path/s02")
    assert b.regions == ["all"]
    assert roster.ignored_columns == []


def test_notebooks_are_relative_to_the_roster_folder_not_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "class").mkdir()
    path = write(tmp_path / "class", "student_id,notebooks\ns01,s01\ns02,sub\\s02\n")
    monkeypatch.chdir("/")
    entries = read_roster(path).entries
    assert entries[0].notebooks == (tmp_path / "class" / "s01").resolve()
    assert entries[1].notebooks == (tmp_path / "class" / "sub" / "s02").resolve()  # Windows separator


def test_byte_order_mark_and_windows_line_endings(tmp_path):
    data = "\ufeffstudent_id,name,role_arn\r\ns01,Ada,arn:aws:iam::111111111111:role/R\r\ns02,Ben,\r\n".encode()
    roster = read_roster(write(tmp_path, data))
    assert [e.student_id for e in roster] == ["s01", "s02"]
    assert roster.entries[0].role_arn == "arn:aws:iam::111111111111:role/R"  # no stray \r
    assert roster.entries[1].role_arn is None


def test_header_names_are_matched_loosely_and_unknown_columns_are_ignored(tmp_path):
    roster = read_roster(write(tmp_path, "Student ID,Role-ARN,External_Id,Section,grade note\ns01,arn:x,e1,B,late\n"))
    entry = roster.entries[0]
    assert (entry.student_id, entry.role_arn, entry.external_id) == ("s01", "arn:x", "e1")
    assert roster.ignored_columns == ["Section", "grade note"]


def test_blank_rows_are_skipped_and_line_numbers_count_them(tmp_path):
    text = 'student_id,name\n\ns01,"Ada\nPark"\n,\ns02,Ben\n'
    entries = read_roster(write(tmp_path, text)).entries
    assert [(e.student_id, e.line) for e in entries] == [("s01", 3), ("s02", 6)]
    assert entries[0].name == "Ada\nPark"


def test_fewer_fields_than_the_header_leave_the_rest_empty(tmp_path):
    entry = read_roster(write(tmp_path, "student_id,name,profile\ns01\n")).entries[0]
    assert (entry.student_id, entry.name, entry.profile) == ("s01", None, None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,email\nAda,a@x\n", "roster.csv, line 1: no student_id column in the header row"),
        ("s01,Ada\ns02,Ben\n", "roster.csv, line 1: no student_id column in the header row"),
        ("student_id,name\ns01,Ada\n,Ben\n", "roster.csv, line 3: empty student_id"),
        ("student_id,name\ns01,Ada\n  ,Ben\n", "roster.csv, line 3: empty student_id"),
        ("student_id,name\ns01,Ada\ns02,Ben\ns01,Cy\n",
         "roster.csv, line 4: duplicate student_id 's01' (first on line 2)"),
        ("student_id\na/b\na_b\n", "roster.csv, line 3: student_id 'a_b' and 'a/b' (line 2) would share the report folder students/a_b"),
        ("student_id\nS01\ns01\n", "roster.csv, line 3: student_id 's01' and 'S01' (line 2) would share"),
        ("student_id,name\ns01,Ada,extra\n", "roster.csv, line 2: 3 fields but the header has 2"),
        ("student_id,student_id\ns01,s02\n", "roster.csv, line 1: column 'student_id' appears twice"),
        ("", "roster.csv: empty file; a header row naming a student_id column is required"),
        ("\n\n", "roster.csv: empty file"),
        ("student_id,name\n", "roster.csv: no students (only a header row)"),
        ("student_id,regions\ns01,all us-east-2\n", "roster.csv, line 2: regions 'all us-east-2'"),
    ],
)
def test_input_errors_name_the_row(tmp_path, text, message):
    assert message in error_of(tmp_path, text)


def test_not_utf8_names_the_line(tmp_path):
    message = error_of(tmp_path, b"student_id,name\ns01,Ada\ns02,Jos\xe9\n")
    assert "roster.csv, line 3: not UTF-8 text" in message


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_roster(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a folder"):
        read_roster(tmp_path)


def test_access_that_cannot_work_is_that_students_problem_not_the_rosters(tmp_path):
    roster = parse_roster(
        "student_id,external_id,role_arn,regions\n"
        "s01,e1,,\n"
        "s02,ext-2,arn:aws:iam::111111111111:role/Grader,us-east-2 ca-central-1\n"
        "s03,,arn:aws:iam::1111:role/Grader,\n"
        "s04,x,arn:aws:iam::111111111111:role/Grader,\n"
        "s05,,,us-east-2 mars-north-1\n"
        "s06,,,all\n",
        base_dir=tmp_path)
    problems = [e.access_problem() for e in roster]
    assert problems[0] == "roster line 2: external_id is given without a role_arn to use it with"
    assert problems[1] is None and problems[5] is None
    assert problems[2].startswith("roster line 4: role_arn 'arn:aws:iam::1111:role/Grader': not an IAM role ARN")
    assert problems[3].startswith("roster line 5: external_id: 2 to 1224 characters")
    assert problems[4].startswith("roster line 6: regions: unknown region 'mars-north-1'")


def test_folder_names_are_safe(tmp_path):
    roster = parse_roster('student_id\n../etc\n"ana maría"\ncon\n', base_dir=tmp_path)
    assert [e.folder for e in roster] == ["etc", "ana_mar_a", "_con"]


def test_batch_command_exits_2_with_one_line_naming_the_row(tmp_path, capsys):
    path = write(tmp_path, "student_id,name\ns01,Ada\ns01,Ada again\n")
    code = main(["batch", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().splitlines() == [f"grader: error: roster {path}, line 3: duplicate student_id 's01' (first on line 2)"]
    assert not (tmp_path / "out" / "students").exists()
