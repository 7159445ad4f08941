"""TA overrides (grader.overrides): the file's rules, and a batch over HTTP against moto where
an override shows in every file, survives --resume and a full regrade, and `grader report
--overrides` re-renders the class folder without AWS. Also the honest gradebook: a student
without notebooks is incomplete, with empty notebook cells, and never counted as passing."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from grader.cli import main
from grader.demo.scenario import Scenario
from grader.errors import InputError
from grader.models import ItemResult, Points, Status, StudentInfo, StudentReport
from grader.overrides import apply_overrides, read_overrides
from grader.scoring import total
from tests.reliability.helpers import write_notebooks

REGIONS = "us-east-2,ca-central-1,us-west-2"
HEADER = "student_id,item_id,status,points,note,by\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- the file ------------------------------------------------------------------------------------


def test_a_good_file_with_excel_habits(tmp_path):
    path = tmp_path / "o.csv"
    path.write_bytes("\ufeffStudent ID;Item-ID;Status;Points;Note;By\r\ns01;cleanup-endpoints;PASS;;deleted late;Kim\r\n"
                     "s02;nb-credit-accuracy;partial;1,5;half credit;\r\n".encode())
    got = read_overrides(path)
    assert [(ln.line, ln.student_id, ln.item_id, ln.status, ln.points, ln.by) for ln in got.lines] == [
        (2, "s01", "cleanup-endpoints", Status.PASS, None, "Kim"),
        (3, "s02", "nb-credit-accuracy", Status.PARTIAL, 1.5, None)]


@pytest.mark.parametrize(("body", "words"), [
    ("s01,cleanup-endpoints,passed,,n,\n", "line 2: unknown status 'passed'"),
    ("s01,cleanup-endpoints,pass,,,\n", "line 2: a note is required"),
    ("s01,cleanup-endpoints,pass,lots,n,\n", "line 2: points 'lots' is not a number"),
    ("s01,cleanup-endpoints,pass,-1,n,\n", "line 2: points must be a number of at least 0"),
    ("s01,,pass,,n,\n", "line 2: student_id and item_id are required"),
    ("s01,cleanup-endpoints,pass,,n,\ns01,cleanup-endpoints,fail,,m,\n", "line 3: s01 cleanup-endpoints is overridden again"),
    ('s01,cleanup-endpoints,pass,,"unclosed,\n', "line"),
    ("s01,cleanup-endpoints,pass,,n,,extra\n", "line 2: more fields than the header"),
])
def test_a_bad_line_is_an_input_error_naming_it(tmp_path, body, words):
    with pytest.raises(InputError) as err:
        read_overrides(write(tmp_path / "o.csv", HEADER + body))
    assert words in str(err.value) and "o.csv" in str(err.value)


def test_unknown_student_item_or_too_many_points_name_the_line(tmp_path):
    got = read_overrides(write(tmp_path / "o.csv", HEADER + "s01,iam-admin-user,pass,,n,\ns09,iam-admin-user,pass,,n,\n"))
    with pytest.raises(InputError, match=r"line 3: unknown student 's09'"):
        got.check_against({"s01"}, {"iam-admin-user": 5.0})
    got = read_overrides(write(tmp_path / "o.csv", HEADER + "s01,iam-nope,pass,,n,\n"))
    with pytest.raises(InputError, match=r"line 2: unknown item 'iam-nope'"):
        got.check_against({"s01"}, {"iam-admin-user": 5.0})
    got = read_overrides(write(tmp_path / "o.csv", HEADER + "s01,iam-admin-user,pass,6,n,\n"))
    with pytest.raises(InputError, match=r"line 2: points 6 exceed the item's 5"):
        got.check_against({"s01"}, {"iam-admin-user": 5.0})


def _report(*items: tuple[str, Status, float, float]) -> StudentReport:
    made = [ItemResult(id=i, title=i, category="IAM", status=st, points=Points(earned=e, possible=p), message="m")
            for i, st, e, p in items]
    return StudentReport(student=StudentInfo(id="s01"), rubric={"id": "r", "title": "t", "version": "1"},
                         status="fail", score=total(made), items=made, generated_at="x", grader_version="0")


def test_apply_is_idempotent_keeps_the_original_and_a_removed_line_restores_it(tmp_path):
    report = _report(("a", Status.FAIL, 0, 8), ("b", Status.PASS, 2, 2), ("c", Status.MANUAL, 0, 0))
    points = {"a": 8.0, "b": 2.0, "c": 4.0}
    ovr = read_overrides(write(tmp_path / "o.csv", HEADER + "s01,a,partial,3,seen it,TA\ns01,c,pass,,billing ok,TA\n"))
    once = apply_overrides(report, ovr, points)
    twice = apply_overrides(once, ovr, points)
    assert once.to_dict() == twice.to_dict()
    a, _, c = once.items
    assert (a.status, a.points.earned, a.points.possible) == (Status.PARTIAL, 3.0, 8.0)
    assert a.override.original.status == Status.FAIL and a.override.note == "seen it"
    assert (c.status, c.points.earned, c.points.possible) == (Status.PASS, 4.0, 4.0)
    assert (once.score.earned, once.score.possible, once.status) == (9.0, 14.0, "fail")
    restored = apply_overrides(once, read_overrides(write(tmp_path / "none.csv", HEADER)), points)
    assert restored.items == report.items and restored.score == report.score


# -- a batch over HTTP ---------------------------------------------------------------------------


def _grades(out: Path) -> dict[str, dict[str, str]]:
    with (out / "grades.csv").open(encoding="utf-8", newline="") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


@pytest.fixture
def klass(build, tmp_path):
    complete = build(Scenario())
    left = build(Scenario(endpoints_left=("us-west-2",)))
    write_notebooks(tmp_path / "class" / "subs" / "s01", complete)
    roster = tmp_path / "class" / "roster.csv"
    roster.write_text("student_id,name,role_arn,external_id,notebooks\n"
                      f"s01,Ada,{complete.role_arn},ext-s01,subs/s01\n"
                      f"s02,Ben,{left.role_arn},ext-s02,\n", encoding="utf-8")
    return roster


def _batch(roster: Path, out: Path, moto_url: str, *extra: str) -> int:
    return main(["batch", str(roster), "--out", str(out), "--endpoint-url", moto_url, "--regions", REGIONS,
                 "--jobs", "2", *extra])


def _check_override_everywhere(out: Path, earned_before: float):
    report = json.loads((out / "students" / "s02" / "report.json").read_text())
    item = next(i for i in report["items"] if i["id"] == "cleanup-endpoints")
    assert item["status"] == "pass" and item["points"] == {"earned": 8.0, "possible": 8.0}
    assert item["override"] == {"status": "pass", "points": 8.0, "note": "deleted it on Friday; screenshot seen",
                                "by": "TA Kim", "original": {"status": "fail", "points": 0.0}}
    assert report["score"]["earned"] == earned_before + 8
    html = (out / "students" / "s02" / "report.html").read_text()
    assert "Decided by a TA" in html and "deleted it on Friday; screenshot seen" in html and "TA Kim" in html
    klass = json.loads((out / "class.json").read_text())
    entry = next(s for s in klass["students"] if s["student"]["id"] == "s02")
    assert next(i for i in entry["items"] if i["id"] == "cleanup-endpoints")["override"]["original"]["status"] == "fail"
    assert _grades(out)["s02"]["cleanup-endpoints"] == "8"


def test_an_override_shows_everywhere_and_survives_resume_and_regrade(klass, moto_url, tmp_path, capsys):
    out = tmp_path / "out"
    assert _batch(klass, out, moto_url) == 0
    before = json.loads((out / "students" / "s02" / "report.json").read_text())
    assert next(i for i in before["items"] if i["id"] == "cleanup-endpoints")["status"] == "fail"
    overrides = write(tmp_path / "overrides.csv", HEADER + "s02,cleanup-endpoints,pass,,"
                      '"deleted it on Friday; screenshot seen",TA Kim\n')

    assert _batch(klass, out, moto_url, "--resume", "--overrides", str(overrides)) == 0
    _check_override_everywhere(out, before["score"]["earned"])
    assert _batch(klass, out, moto_url, "--overrides", str(overrides)) == 0  # a full regrade
    _check_override_everywhere(out, before["score"]["earned"])
    assert _batch(klass, out, moto_url, "--resume", "--overrides", str(overrides)) == 0
    _check_override_everywhere(out, before["score"]["earned"])

    capsys.readouterr()
    bad = write(tmp_path / "bad.csv", HEADER + "s02,cleanup-endpoints,pass,,ok,\ns07,cleanup-endpoints,pass,,ok,\n")
    assert _batch(klass, out, moto_url, "--overrides", str(bad)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "line 3" in err[0] and "s07" in err[0]
    _check_override_everywhere(out, before["score"]["earned"])  # nothing written before is lost


def test_report_with_overrides_rerenders_the_class_folder_without_aws(klass, moto_url, tmp_path, capsys):
    out = tmp_path / "out"
    assert _batch(klass, out, moto_url) == 0
    before = json.loads((out / "students" / "s02" / "report.json").read_text())
    overrides = write(tmp_path / "o.csv", HEADER + "s02,cleanup-endpoints,pass,,"
                      '"deleted it on Friday; screenshot seen",TA Kim\n')
    assert main(["report", str(out / "class.json"), "--overrides", str(overrides)]) == 0
    _check_override_everywhere(out, before["score"]["earned"])
    bad = write(tmp_path / "bad.csv", HEADER + "s02,no-such-item,pass,,ok,\n")
    capsys.readouterr()
    assert main(["report", str(out / "class.json"), "--overrides", str(bad)]) == 2
    assert "line 2" in capsys.readouterr().err


def test_a_student_without_notebooks_is_incomplete_and_not_passing(klass, moto_url, tmp_path):
    out = tmp_path / "out"
    assert _batch(klass, out, moto_url) == 0
    rows = _grades(out)
    assert rows["s01"]["complete"] == "true" and rows["s02"]["complete"] == "false"
    nb_columns = [c for c in rows["s02"] if c.startswith("nb-")]
    assert nb_columns and all(rows["s02"][c] == "" for c in nb_columns)
    assert all(rows["s01"][c] != "" for c in nb_columns if c != "nb-evidence-link" and not c.endswith("-reproduced"))
    klass_data = json.loads((out / "class.json").read_text())
    s02 = next(s for s in klass_data["students"] if s["student"]["id"] == "s02")
    assert s02["complete"] is False and s02["incomplete"] == ["notebooks"]
    assert klass_data["stats"]["incomplete"] == 1
    passing_ids = [s["student"]["id"] for s in klass_data["students"] if s["status"] == "pass" and s["complete"]]
    assert klass_data["stats"]["passing"] == len(passing_ids) and "s02" not in passing_ids
    assert "INCOMPLETE" in (out / "index.html").read_text()
