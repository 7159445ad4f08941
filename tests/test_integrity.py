"""Issue 14, class level: in `batch`, two students handing in one run are flagged `shared-work`
(each naming the other, with the evidence), a student handing in the course's published run is
flagged `known-solution`, and students with their own runs of the same starter code are not
flagged. The flags reach report.json/report.html, class.json, grades.csv and the class report."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml

from grader.batch import run_batch
from grader.demo.notebook_factory import credit_notebook, rainfall_notebook, to_json
from grader.demo.notebook_factory.cells import TINY_PNG
from grader.integrity import find_shared, student_prints
from grader.notebooks import read_submission
from grader.progress import Progress
from grader.rubric import load_rubric

RUBRIC = Path(__file__).resolve().parents[1] / "rubrics" / "sagemaker-13.2.yaml"


def _write(folder: Path, rain, credit, replace: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for nb, name in ((rain, "rainfall_forecast.ipynb"), (credit, "credit-risk-classification.ipynb")):
        text = to_json(nb)
        for old, new in (replace or {}).items():
            text = text.replace(old, new)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def honest_run(folder: Path, i: int) -> Path:
    """A run of its own: its own job names, metrics, bucket and training-log times."""
    rain = rainfall_notebook(job_name=f"linear-learner-2021-0{i}-1{i}-10-1{i}-0{i}-20{i}", bucket=f"sm-models-own-{i}",
                             rmse=0.4 + i * 0.0123456789012345, r2=-0.001 * i - 0.000123456789012)
    credit = credit_notebook(job_name=f"linear-learner-2021-0{i}-1{i}-11-1{i}-0{i}-30{i}", bucket=f"sm-models-own-{i}",
                             confusion=((128 - i, 15 + i), (31 - i, 26 + i)))
    return _write(folder, rain, credit, {"2020-03-30 1": f"2021-0{i}-1{i} 0", "03/30/2020 1": f"0{i}/1{i}/2021 0"})


def course_run(folder: Path) -> Path:
    """The factory's default notebooks stand for the course's published run."""
    return _write(folder, rainfall_notebook(), credit_notebook())


def test_batch_flags_shared_work_and_known_solutions_only(tmp_path, build, moto_url):
    subs = tmp_path / "subs"
    for i in (1, 2, 3):
        honest_run(subs / f"honest{i}", i)
    honest_run(subs / "copy-a", 7)
    shutil_copy = (subs / "copy-a")
    (subs / "copy-b").mkdir()
    for name in ("rainfall_forecast.ipynb", "credit-risk-classification.ipynb"):
        text = (shutil_copy / name).read_text(encoding="utf-8").replace("sm-models-own-7", "sm-models-mine-b")
        (subs / "copy-b" / name).write_text(text, encoding="utf-8")
    course_run(subs / "course")

    published = student_prints(read_submission(subs / "course"))
    doc = yaml.safe_load(RUBRIC.read_text(encoding="utf-8"))
    doc["params"]["known_solutions"] = [
        {"name": "course 2020 rainfall", "notebook": "rainfall",
         "figures": [k.split(":", 1)[1] for k in published if k.startswith("figure:")][:2],
         "jobs": ["linear-learner-2020-03-30-12-58-02-201"]},
        {"name": "course 2020 credit", "notebook": "credit", "jobs": ["linear-learner-2020-03-30-13-21-40-623"]},
    ]
    rubric_path = tmp_path / "course-rubric.yaml"
    rubric_path.write_text(yaml.safe_dump(doc), encoding="utf-8")

    ids = ["honest1", "honest2", "honest3", "copy-a", "copy-b", "course"]
    roster = tmp_path / "roster.csv"
    rows = [f"{s},Name {s},subs/{s},{build().role_arn},ext-{s}\n" for s in ids]
    roster.write_text("student_id,name,notebooks,role_arn,external_id\n" + "".join(rows), encoding="utf-8")
    out = tmp_path / "out"
    batch = {"rubric_ref": str(rubric_path), "out": out, "jobs": 2, "endpoint_url": moto_url, "regions": ["us-east-2"]}
    run_batch(roster, progress=Progress(io.StringIO()), **batch)

    klass = json.loads((out / "class.json").read_text(encoding="utf-8"))
    by_id = {s["student"]["id"]: s for s in klass["students"]}
    shared = {sid: [f for f in by_id[sid]["review"] if f["kind"] == "shared-work"] for sid in ids}
    assert [f["item"] for f in shared["copy-a"]] == [None] and "copy-b" in shared["copy-a"][0]["reason"]
    assert [f["item"] for f in shared["copy-b"]] == [None] and "copy-a" in shared["copy-b"][0]["reason"]
    assert "job linear-learner-2021-07" in shared["copy-a"][0]["reason"]
    for sid in ("honest1", "honest2", "honest3", "course"):
        assert shared[sid] == [], sid
    for sid in ("honest1", "honest2", "honest3", "copy-a", "copy-b"):
        assert not any(f["kind"] == "known-solution" for f in by_id[sid]["review"]), sid
    known = {f["item"] for f in by_id["course"]["review"] if f["kind"] == "known-solution"}
    assert known == {"nb-rainfall-metrics", "nb-credit-accuracy"}

    # each student's own files carry the flag
    report = json.loads((out / "students" / "copy-a" / "report.json").read_text(encoding="utf-8"))
    assert any(f["kind"] == "shared-work" and "copy-b" in f["reason"] for f in report["review"])
    assert "copy-b" in (out / "students" / "copy-a" / "report.html").read_text(encoding="utf-8")
    # the gradebook and the class report
    with (out / "grades.csv").open(encoding="utf-8", newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert rows["copy-a"]["needs_review"] == "true" and rows["copy-b"]["needs_review"] == "true"
    assert "shared-work" in rows["copy-a"]["review"] and "shared-work" in rows["copy-b"]["review"]
    assert rows["course"]["needs_review"] == "true" and "known-solution" in rows["course"]["review"]
    assert "shared-work" not in rows["honest2"]["review"] and "known-solution" not in rows["honest2"]["review"]
    assert [p["students"] for p in klass["stats"]["shared_work"]] == [["copy-a", "copy-b"]]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Shared work" in index and "copy-a" in index.split("Shared work", 1)[1]

    # a second pass (the class files rebuilt, e.g. --resume) replaces its flags, never doubles them
    run_batch(roster, resume=True, progress=Progress(io.StringIO()), **batch)
    again = json.loads((out / "students" / "copy-a" / "report.json").read_text(encoding="utf-8"))
    assert [f["kind"] for f in again["review"]].count("shared-work") == 1


def _shared_pair_class(tmp_path: Path, build) -> tuple[Path, Path]:
    """A roster of three: one honest run, and one run handed in twice (copy-a, copy-b)."""
    subs = tmp_path / "subs"
    honest_run(subs / "honest1", 1)
    honest_run(subs / "copy-a", 7)
    (subs / "copy-b").mkdir()
    for name in ("rainfall_forecast.ipynb", "credit-risk-classification.ipynb"):
        (subs / "copy-b" / name).write_text((subs / "copy-a" / name).read_text(encoding="utf-8"), encoding="utf-8")
    roster = tmp_path / "roster.csv"
    rows = [f"{s},Name {s},subs/{s},{build().role_arn},ext-{s}\n" for s in ("honest1", "copy-a", "copy-b")]
    roster.write_text("student_id,name,notebooks,role_arn,external_id\n" + "".join(rows), encoding="utf-8")
    return roster, subs


@pytest.mark.parametrize("workers", [None, 2])
def test_the_class_pass_takes_each_graded_students_fingerprints_from_their_task(tmp_path, build, moto_url, workers):
    """The class pass does not read again the notebooks a task graded: it gets their
    fingerprints with the task's files (in this process, and through a worker process's pipe).
    Here copy-a's notebooks are moved away as soon as copy-a is written: the pair is still found,
    from what was graded. A student resumed from an earlier run has no task: their notebooks
    are read again, so once they are gone (and nobody hands the fingerprints over) the pair is
    not found, and the flags of the earlier pass are taken back."""
    from grader.resume import build_class

    roster, subs = _shared_pair_class(tmp_path, build)
    moved = tmp_path / "moved-a"

    class MoveWhenWritten(Progress):
        def advance(self, outcome):
            super().advance(outcome)
            if outcome.student_id == "copy-a":
                (subs / "copy-a").rename(moved)

    out = tmp_path / "out"
    run_batch(roster, out=out, jobs=2, endpoint_url=moto_url, regions=["us-east-2"],
              progress=MoveWhenWritten(io.StringIO()), workers=workers)
    assert moved.is_dir() and not (subs / "copy-a").exists()
    klass = json.loads((out / "class.json").read_text(encoding="utf-8"))
    assert [p["students"] for p in klass["stats"]["shared_work"]] == [["copy-a", "copy-b"]]

    rubric = load_rubric()
    from grader.roster import read_roster

    again = build_class(rubric, read_roster(roster), out / "students")  # as --resume: nothing graded now
    assert again["stats"]["shared_work"] == []
    report = json.loads((out / "students" / "copy-b" / "report.json").read_text(encoding="utf-8"))
    assert not any(f["kind"] == "shared-work" for f in report["review"])
    handed = {"copy-a": student_prints(read_submission(moved))}
    assert [p["students"] for p in build_class(rubric, read_roster(roster), out / "students", handed)["stats"][
        "shared_work"]] == [["copy-a", "copy-b"]]
    report = json.loads((out / "students" / "copy-b" / "report.json").read_text(encoding="utf-8"))
    assert [f["kind"] for f in report["review"]].count("shared-work") == 1


def test_a_tasks_fingerprints_are_those_of_the_notebooks_it_graded(tmp_path, build, moto_url):
    from grader.batch import _student_formats
    from grader.gradetask import StudentGrader
    from grader.roster import read_roster

    roster, subs = _shared_pair_class(tmp_path, build)
    grader = StudentGrader(load_rubric(), _student_formats([]), tmp_path / "students", moto_url, ["us-east-2"], False,
                           None)
    entries = {e.student_id: e for e in read_roster(roster)}
    rendered = grader.render(entries["honest1"])
    assert rendered.prints == student_prints(read_submission(subs / "honest1")) and rendered.prints
    assert grader.error(entries["honest1"], "stopped").prints is None  # nothing was read


def test_what_the_whole_class_shares_never_counts(tmp_path):
    """Eight honest runs all print one plot of the data: common to the class, not shared work."""
    prints = {f"s{i}": student_prints(read_submission(honest_run(tmp_path / f"s{i}", i))) for i in range(1, 9)}
    common = set.intersection(*(set(p) for p in prints.values()))
    assert any(k.startswith("image:") for k in common)
    assert find_shared(prints, min_evidence=1, max_share=0.25) == []


def test_the_thresholds_are_rubric_params():
    run = load_rubric().run_params
    doc = yaml.safe_load(RUBRIC.read_text(encoding="utf-8"))["params"]
    assert (run.shared_work_min_evidence, run.shared_work_max_share) == (2, 0.25)
    assert doc["shared_work_min_evidence"] == 2 and doc["shared_work_max_share"] == 0.25
    assert [k.name for k in run.known_solutions] == [k["name"] for k in doc["known_solutions"]]


def _nb_flags(folder: Path) -> dict[str, str | None]:
    """The review-flag kind of every notebook item, graded with the shipped rubric."""
    from grader.context import Context
    from grader.engine import evaluate
    from grader.models import StudentInfo

    ctx = Context(StudentInfo(id="s"), submission=read_submission(folder))
    return {i.id: i.review.kind if i.review else None for i in evaluate(load_rubric(), ctx) if i.id.startswith("nb-")}


def test_the_shipped_course_run_is_flagged_and_own_runs_are_not(tmp_path):
    """The shipped rubric carries the course's 2020-03-13 rainfall run (recovered from a student's
    copy of the course's solved notebook). A notebook holding any part of it (its printed
    metrics, or only its training log, or only its plot) is flagged `known-solution` on the
    rainfall metrics item; runs of their own (same starter code, same data) are not."""
    course = [k for k in load_rubric().run_params.known_solutions if k.notebook == "rainfall"]
    assert course and all(k.source for k in course)
    run = course[0]
    metrics = _write(tmp_path / "metrics", rainfall_notebook(rmse=float(run.figures[0]), r2=float(run.figures[1])),
                     credit_notebook())
    stamp = run.timestamps[0]  # only the training log's clock: the metrics are the student's own
    log = _write(tmp_path / "log", rainfall_notebook(rmse=0.41836917395823714, r2=-0.0012345678901234),
                 credit_notebook(), {"2020-03-30 12:58:02": stamp})
    for folder in (metrics, log):
        flags = _nb_flags(folder)
        assert flags["nb-rainfall-metrics"] == "known-solution", (folder.name, flags)
        assert flags["nb-credit-accuracy"] != "known-solution"
    # the credit runs print coarse metrics (0.715, 0.74): their training logs identify them
    for run in [k for k in load_rubric().run_params.known_solutions if k.notebook == "credit"]:
        folder = honest_run(tmp_path / f"credit-{run.timestamps[0][:10]}", 4)
        name = "credit-risk-classification.ipynb"
        text = (folder / name).read_text(encoding="utf-8")
        (folder / name).write_text(text.replace("2021-04-14 02:58:02", run.timestamps[0]), encoding="utf-8")
        flags = _nb_flags(folder)
        assert flags["nb-credit-accuracy"] == "known-solution", (run.name, flags)
        assert flags["nb-rainfall-metrics"] != "known-solution"
    for i in (1, 2, 3):
        flags = _nb_flags(honest_run(tmp_path / f"own{i}", i))
        assert "known-solution" not in flags.values(), flags
    # the demo's notebooks are not the course's run either
    assert "known-solution" not in _nb_flags(course_run(tmp_path / "factory")).values()


def test_known_solutions_are_validated_rubric_data(tmp_path):
    import pytest

    from grader.errors import InputError
    from grader.rubric import validate_rubric

    doc = yaml.safe_load(RUBRIC.read_text(encoding="utf-8"))
    for bad in ({"name": "x", "notebook": "credit", "figures": ["0.74"]},  # too coarse to fingerprint a run
                {"name": "x", "notebook": "other", "jobs": ["j-1"]},
                {"name": "x", "notebook": "rainfall", "timestamps": ["yesterday"]},
                {"name": "x", "notebook": "credit", "figures": ["0.5471698113207547"]},  # 29/53: an F1 many runs print
                {"name": "x", "notebook": "rainfall", "images": ["a plot"]}):
        doc["params"]["known_solutions"] = [bad]
        with pytest.raises(InputError):
            validate_rubric(doc, "test.yaml")
    doc["params"]["known_solutions"] = [{"name": "x", "notebook": "credit", "figures": ["0.6733580207824708"]}]
    assert validate_rubric(doc, "test.yaml").run_params.known_solutions[0].figures == ["0.6733580207824708"]


def test_rubric_fingerprint_prints_an_entry_that_flags_the_run(tmp_path, capsys):
    """`grader rubric fingerprint` turns a published run into a `known_solutions` entry; put in a
    rubric copy, the entry flags that run and no run of another student's."""
    from grader.cli import main

    course = course_run(tmp_path / "published")
    code = main(["rubric", "fingerprint", str(course / "rainfall_forecast.ipynb"), "--name", "fall course run"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    (entry,) = yaml.safe_load(out)
    assert entry["name"] == "fall course run" and entry["notebook"] == "rainfall"
    assert entry["figures"] and entry["timestamps"] and entry["jobs"] == ["linear-learner-2020-03-30-12-58-02-201"]

    doc = yaml.safe_load(RUBRIC.read_text(encoding="utf-8"))
    doc["params"]["known_solutions"] = [entry]
    rubric_path = tmp_path / "rubric.yaml"
    rubric_path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert main(["rubric", "validate", str(rubric_path)]) == 0
    from grader.context import Context
    from grader.engine import evaluate
    from grader.models import StudentInfo

    def flags(folder):
        ctx = Context(StudentInfo(id="s"), submission=read_submission(folder))
        return {i.id: i.review.kind if i.review else None for i in evaluate(load_rubric(str(rubric_path)), ctx)}

    assert flags(course)["nb-rainfall-metrics"] == "known-solution"
    own = honest_run(tmp_path / "own", 5)
    rain = own / "rainfall_forecast.ipynb"  # its own plot of its own predictions (the factory draws one for all)
    rain.write_text(rain.read_text(encoding="utf-8").replace(TINY_PNG, TINY_PNG[:-8] + "AAAAAAA="), encoding="utf-8")
    assert "known-solution" not in flags(own).values()

    # a notebook without anything only one run prints, or not a notebook: one line, exit 2
    (tmp_path / "notes.ipynb").write_text("{not json", encoding="utf-8")
    assert main(["rubric", "fingerprint", str(tmp_path / "notes.ipynb"), "--notebook", "credit"]) == 2
    assert main(["rubric", "fingerprint", str(tmp_path / "x.txt")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("grader: error:") == 2
