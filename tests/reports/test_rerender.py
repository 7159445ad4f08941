"""`grader report`: re-render saved results; bad input is one line and exit 2, nothing written."""

from __future__ import annotations

import json

import pytest

from grader.classreport import build_class_report
from grader.cli import main
from reports import CLASS_FORMATS, STUDENT_FORMATS
from tests.reports.conftest import GENERATED, RUBRIC, error_report, passing_report, sample_report


def run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def save(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_rerenders_next_to_the_file_without_overwriting_it(tmp_path, capsys):
    src = save(tmp_path / "s01" / "report.json", sample_report())
    before = src.read_bytes()
    code, out, err = run(["report", str(src), "--format", "json,html,md"], capsys)
    assert code == 0 and err == ""
    assert src.read_bytes() == before
    html = (tmp_path / "s01" / "report.html").read_text(encoding="utf-8")
    assert html == STUDENT_FORMATS["html"].render(sample_report())
    assert (tmp_path / "s01" / "report.md").exists()
    assert out.splitlines() == [f"wrote {tmp_path / 's01' / 'report.html'}", f"wrote {tmp_path / 's01' / 'report.md'}"]


def test_out_with_one_and_with_several_files(tmp_path, capsys):
    a = save(tmp_path / "in" / "a.json", sample_report())
    b = save(tmp_path / "in" / "b.json", error_report())
    c = save(tmp_path / "in" / "c.json", sample_report(student={"id": "s/01", "name": None}))
    assert run(["report", str(a), "--out", str(tmp_path / "one")], capsys)[0] == 0
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == ["report.html", "report.json"]
    assert run(["report", str(a), str(b), str(c), "--out", str(tmp_path / "many"), "--format", "csv"], capsys)[0] == 0
    assert sorted(p.name for p in (tmp_path / "many").iterdir()) == ["s01", "s02", "s_01"]
    assert (tmp_path / "many" / "s02" / "report.csv").exists()


def test_two_ids_with_the_same_folder_name_get_two_folders(tmp_path, capsys):
    a = save(tmp_path / "a.json", sample_report(student={"id": "x y"}))
    b = save(tmp_path / "b.json", sample_report(student={"id": "x/y"}))
    assert run(["report", str(a), str(b), "--out", str(tmp_path / "o"), "--format", "html"], capsys)[0] == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["x_y", "x_y-2"]


def test_class_json_is_rebuilt_and_rerendered(tmp_path, capsys):
    data = build_class_report(RUBRIC, [sample_report(), error_report(), passing_report()], generated_at=GENERATED)
    data["students"][0]["status"] = "pass"  # a TA's correction
    src = save(tmp_path / "batch" / "class.json", data)
    code, out, err = run(["report", str(src)], capsys)
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "batch").iterdir()) == ["class.json", "grades.csv", "index.html"]
    assert json.loads(src.read_text()) == data  # the input itself is not rewritten
    html = (tmp_path / "batch" / "index.html").read_text(encoding="utf-8")
    rebuilt = build_class_report(data["rubric"], data["students"], generated_at=GENERATED)
    assert rebuilt["stats"]["passing"] == 2
    assert html == CLASS_FORMATS["html"].render(rebuilt)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{bad json", "not valid JSON (line 1, column 2"),
        ("", "not valid JSON (line 1, column 1"),
        (b"\xff\xfe\x00", "not a JSON file (not UTF-8 text)"),
        ("[1, 2]", "not a grader report (no \"schema\" field"),
        ('{"schema": "other/1"}', "not a grader report (schema 'other/1'"),
        ('{"schema": "grader.student-report/1", "student": {}}', "not a valid grader report: student.id"),
        ('{"schema": "grader.class-report/1", "rubric": {"id": "r"}, "students": [{}]}',
         "not a valid grader class report: students.0.student"),
        ("[" * 100000, "not valid JSON"),
    ],
    ids=["missing", "corrupt", "empty", "binary", "list", "foreign", "invalid", "invalid-class", "deep"],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, content, message):
    good = save(tmp_path / "good.json", sample_report())
    bad = tmp_path / "bad.json"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    elif content is not None:
        bad.write_text(content, encoding="utf-8")
    code, out, err = run(["report", str(good), str(bad), "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"grader: error: {bad}: ") and message in err
    assert not (tmp_path / "out").exists()  # every file is checked before anything is written


def test_a_folder_and_no_file_are_input_errors(tmp_path, capsys):
    code, _, err = run(["report", str(tmp_path)], capsys)
    assert code == 2 and "is a folder" in err
    code, _, err = run(["report"], capsys)
    assert code == 2 and "Missing argument" in err


def test_unknown_format_is_an_input_error(tmp_path, capsys):
    src = save(tmp_path / "report.json", sample_report())
    code, _, err = run(["report", str(src), "--format", "pdf"], capsys)
    assert code == 2 and "unknown format pdf" in err


def test_report_command_has_help(capsys):
    code, out, _ = run(["report", "--help"], capsys)
    assert code == 0 and "Re-render saved report.json" in out
