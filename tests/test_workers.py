"""`grader batch --workers N`: real worker processes grading over HTTP against the moto server
(it runs in this process, so slowing it here slows what the workers see)."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.batch import run_batch
from grader.demo.scenario import Scenario
from grader.gradetask import StudentGrader
from tests.batch_helpers import (
    assert_every_student_once,
    assert_one_kernel_at_a_time,
    children_of,
    kernel_times,
    wait_gone,
    write_sleepers,
)
from tests.test_batch import quiet, role_row, write_roster

REGIONS = ["us-east-2"]


def verdicts(out: Path) -> dict[str, tuple]:
    """Per student: status, percent and every item's status and points (what grading decided)."""
    klass = json.loads((out / "class.json").read_text())
    found = {}
    for row in klass["students"]:
        sid = row["student"]["id"]
        report = json.loads((out / "students" / sid / "report.json").read_text())
        items = tuple((i["id"], i["status"], i["points"]) for i in report["items"])
        found[sid] = (report["status"], report["score"]["percent"], items)
    return found


def class_roster(build, tmp_path: Path, n: int) -> Path:
    accounts = [build(Scenario()), build(Scenario(configs_left=("us-east-2",)))]
    return write_roster(tmp_path / "roster.csv", [role_row(f"s{i:02d}", accounts[i % 2]) for i in range(1, n + 1)])


def test_two_workers_give_the_verdicts_of_one_and_of_the_threads(build, moto_url, tmp_path):
    roster = class_roster(build, tmp_path, 4)
    runs = {}
    for label, workers in (("threads", None), ("one", 1), ("two", 2)):
        result = run_batch(roster, out=tmp_path / label, endpoint_url=moto_url, regions=REGIONS, jobs=4,
                           workers=workers, progress=quiet())
        assert result.graded == 4 and result.exit_code == 0
        runs[label] = verdicts(tmp_path / label)
    assert runs["one"] == runs["two"] == runs["threads"]
    assert {v[0] for v in runs["two"].values()} == {"pass", "fail"}  # s02, s04 left endpoint configs
    assert runs["two"]["s01"] != runs["two"]["s02"]


def stuck_profile(tmp_path: Path, monkeypatch) -> None:
    """An AWS profile whose credential helper never answers (like one waiting for an MFA code)."""
    config = tmp_path / "aws-config"
    config.write_text("[profile stuck]\ncredential_process = sleep 300\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))


def sleeps_running() -> list[int]:
    """The stuck profile's credential helpers still alive up to 10 s from now: a process
    SIGKILLed with its worker's group is gone only once the kernel has run it to its end, which
    on a loaded machine can come after the batch has returned (one CI run saw it alive there).
    A helper that outlived its worker runs for 300 s: still found."""
    out = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True).stdout
    pids = [int(pid) for pid, _, args in (line.strip().partition(" ") for line in out.splitlines())
            if args.strip() == "sleep 300"]
    return wait_gone(pids, timeout=10)


def test_a_student_past_the_time_limit_is_an_error_row_naming_it_and_the_others_are_graded(
        build, moto_url, tmp_path, monkeypatch):
    stuck_profile(tmp_path, monkeypatch)
    good = build(Scenario())
    roster = write_roster(tmp_path / "roster.csv", [
        role_row("s01", good), {"student_id": "s02", "name": "Stuck", "profile": "stuck"},
        role_row("s03", good), role_row("s04", good)])
    started = time.monotonic()
    result = run_batch(roster, out=tmp_path / "out", endpoint_url=moto_url, regions=REGIONS, jobs=2, workers=1,
                       student_timeout=12, progress=quiet())
    by_id = {o.student_id: o for o in result.outcomes}
    assert time.monotonic() - started < 60
    assert by_id["s02"].status == "error"
    assert "per-student time limit of 12 s (--student-timeout)" in by_id["s02"].message
    assert all(by_id[s].graded for s in ("s01", "s03", "s04"))  # s01 or s03 shared the killed worker
    assert result.exit_code == 1
    report = json.loads((tmp_path / "out" / "students" / "s02" / "report.json").read_text())
    assert report["status"] == "error" and "time limit" in report["message"]
    assert not sleeps_running()  # the credential helper died with its worker


@pytest.fixture
def slow_identity(monkeypatch):
    import moto.sts.responses as sts_responses

    real = sts_responses.TokenResponse.get_caller_identity

    def slow(self, *args, **kwargs):
        time.sleep(0.5)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(sts_responses.TokenResponse, "get_caller_identity", slow)


def test_a_worker_killed_mid_run_loses_and_duplicates_no_student(build, moto_url, tmp_path, slow_identity):
    n = 8
    roster = class_roster(build, tmp_path, n)
    out = tmp_path / "out"
    box = {}
    runner = threading.Thread(target=lambda: box.setdefault("result", run_batch(
        roster, out=out, endpoint_url=moto_url, regions=REGIONS, jobs=4, workers=2, progress=quiet())))
    runner.start()
    deadline = time.monotonic() + 90
    while len(list(out.glob("students/*/report.json"))) < 2:
        assert time.monotonic() < deadline and runner.is_alive()
        time.sleep(0.02)
    victim = next(p for p in multiprocessing.active_children() if p.name == "grader-worker")
    os.kill(victim.pid, signal.SIGKILL)
    runner.join(120)
    result = box["result"]

    assert result.graded == n and result.exit_code == 0  # the killed worker's students were graded again
    assert_every_student_once(out, n)
    assert not [p for p in multiprocessing.active_children() if p.name == "grader-worker"]


def test_with_reproduce_a_worker_grades_one_student_with_one_kernel_at_a_time(build, moto_url, tmp_path):
    """`--workers 1 --reproduce`: each student's notebooks re-execute in the worker, one kernel at
    a time (a worker is one core's worth of work), and their executed copies are written."""
    built = build(Scenario())
    rows = [role_row(sid, built, notebooks=str(write_sleepers(tmp_path / "nb" / sid, 1.5))) for sid in ("s01", "s02")]
    roster = write_roster(tmp_path / "roster.csv", rows)
    out = tmp_path / "out"
    result = run_batch(roster, out=out, endpoint_url=moto_url, regions=REGIONS, jobs=4, workers=1, reproduce=True,
                       progress=quiet())
    assert result.graded == 2
    for sid in ("s01", "s02"):
        executed = sorted(p.name for p in (out / "students" / sid / "executed").glob("*.ipynb"))
        assert len(executed) == 2
        assert_one_kernel_at_a_time(kernel_times(out, sid))


def test_workers_see_the_environment_and_folder_the_batch_has_now(build, moto_url, tmp_path, monkeypatch):
    """Workers are forked from a server that an earlier batch started (grader.workers.start_context):
    they still read the environment and the current folder as the batch has them now."""
    good = build(Scenario())
    first = run_batch(write_roster(tmp_path / "r1.csv", [role_row("s01", good)]), out=tmp_path / "one",
                      endpoint_url=moto_url, regions=REGIONS, workers=1, progress=quiet())
    assert first.graded == 1
    here = tmp_path / "here"
    here.mkdir()
    (here / "aws-config").write_text("[profile fresh]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
                                     encoding="utf-8")
    monkeypatch.chdir(here)
    monkeypatch.setenv("AWS_CONFIG_FILE", "aws-config")  # relative: found only from `here`
    roster = write_roster(tmp_path / "r2.csv", [{"student_id": "s02", "name": "Fresh", "profile": "fresh"}])
    result = run_batch(roster, out=tmp_path / "two", endpoint_url=moto_url, regions=REGIONS, workers=1,
                       progress=quiet())
    assert result.graded == 1, [o.message for o in result.errors]


def _what_a_worker_has(queue) -> None:
    from grader.aws.sharing import _ClassCachingCreator
    from reports import html_report

    queue.put((sorted({service for service, _ in _ClassCachingCreator._classes}),
               sorted(name for _, name in html_report._env.cache.keys())))


def test_a_worker_starts_with_the_client_classes_and_the_student_templates_built():
    """The fork server builds once what each worker would build for its first student: a client
    class of each service the grader reads, and the student page's compiled templates."""
    from grader.aws.preload import SERVICES
    from grader.workers import start_context

    ctx = start_context()
    queue = ctx.Queue()
    proc = ctx.Process(target=_what_a_worker_has, args=(queue,))
    proc.start()
    services, templates = queue.get(timeout=60)
    proc.join(timeout=30)
    assert ctx.get_start_method() == "forkserver"  # Linux, where the grader runs its workers
    assert set(SERVICES) <= set(services)
    assert {"student.html.j2", "macros.html.j2"} <= set(templates)


_FORKED_WORKER_HAS = """
import json
import sys
from grader.workers import start_context, worker_context
import tests.test_workers as here
before = [name in sys.modules for name in ("grader.aws.preload", "reports.preload")]
ctx = worker_context(start_context())
queue = ctx.Queue()
proc = ctx.Process(target=here._what_a_worker_has, args=(queue,))
proc.start()
services, templates = queue.get(timeout=60)
proc.join(timeout=30)
print(json.dumps({"method": ctx.get_start_method(), "before": before, "services": services, "templates": templates}))
"""


def test_a_worker_forked_from_the_batch_starts_with_them_built_too():
    """A batch with no thread but its main one forks its workers (no fork server): it imports
    what the fork server would have first, so that each worker does not build it again."""
    from grader.aws.preload import SERVICES

    done = subprocess.run([sys.executable, "-c", _FORKED_WORKER_HAS], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["method"] == "fork" and found["before"] == [False, False]  # nothing built before the first fork
    assert set(SERVICES) <= set(found["services"])
    assert {"student.html.j2", "macros.html.j2"} <= set(found["templates"])


class _FreezeReporting(StudentGrader):
    """Reports, with each student's files, how many objects its process had frozen out of the
    garbage collector's reach when it graded them (what is under test is the worker around it)."""

    def render(self, entry, executed_dir=None):
        import gc

        rendered = self.error(entry, "not graded: this test looks at the process only")
        rendered.summary["frozen"] = gc.get_freeze_count()
        rendered.summary["thresholds"] = list(gc.get_threshold())
        return rendered


def test_a_worker_freezes_what_it_started_with_before_its_first_student(tmp_path):
    """Full collections would otherwise walk the imported grader and botocore's models (some
    100,000 objects) again and again while students are graded; and it collects less often."""
    import gc

    from grader.batch import _student_formats
    from grader.roster import read_roster
    from grader.rubric import load_rubric
    from grader.workers import GC_THRESHOLDS, ProcessPool

    roster = read_roster(write_roster(tmp_path / "roster.csv", [{"student_id": f"s{i}", "name": f"S {i}"}
                                                                for i in range(3)]))
    grader = _FreezeReporting(load_rubric(), _student_formats([]), tmp_path / "students", None, None, False, None)
    seen = [rendered.summary for _, rendered in ProcessPool(grader, 1, 2, 60).run(list(roster))]
    assert len(seen) == 3 and min(s["frozen"] for s in seen) > 50_000
    assert all(tuple(s["thresholds"]) == GC_THRESHOLDS for s in seen)
    assert GC_THRESHOLDS[0] > gc.get_threshold()[0]  # this process (the batch's) keeps Python's own


# A batch in a process of its own with no thread but its main one, as `grader batch` runs: its
# workers are forked from it (no fork server). It prints what it saw, as JSON, when done.
_ALONE = """
import io, json, sys, threading
from multiprocessing import forkserver
from grader.batch import run_batch
from grader.progress import Progress
roster, out, url = sys.argv[1:4]
threads = threading.active_count()
result = run_batch(roster, out=out, endpoint_url=url, regions=["us-east-2"], jobs=4, workers=2,
                   progress=Progress(io.StringIO()))
print(json.dumps({"threads": threads, "graded": result.graded, "exit": result.exit_code,
                  "fork_server": getattr(forkserver._forkserver, "_forkserver_pid", None)}))
"""


def _alone(roster: Path, out: Path, url: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _ALONE, str(roster), str(out), url], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked from the batch on Linux only")
def test_a_batch_without_threads_forks_its_workers_and_grades_as_the_threads_do(build, moto_url, tmp_path):
    roster = class_roster(build, tmp_path, 6)
    run_batch(roster, out=tmp_path / "threads", endpoint_url=moto_url, regions=REGIONS, jobs=4, progress=quiet())
    proc = _alone(roster, tmp_path / "forked", moto_url)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    seen = json.loads(stdout.splitlines()[-1])
    assert seen == {"threads": 1, "graded": 6, "exit": 0, "fork_server": None}
    assert verdicts(tmp_path / "forked") == verdicts(tmp_path / "threads")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked from the batch on Linux only")
def test_a_forked_worker_killed_mid_run_is_replaced_by_a_fork_and_no_student_is_lost(build, moto_url, tmp_path,
                                                                                       slow_identity):
    n = 8
    roster = class_roster(build, tmp_path, n)
    out = tmp_path / "out"
    proc = _alone(roster, out, moto_url)
    deadline = time.monotonic() + 120
    while len(list(out.glob("students/*/report.json"))) < 2:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    workers = children_of(proc.pid)
    assert workers  # forked from the batch: its own children
    os.kill(workers[0], signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    seen = json.loads(stdout.splitlines()[-1])
    assert seen == {"threads": 1, "graded": n, "exit": 0, "fork_server": None}  # the replacement was forked too
    assert_every_student_once(out, n)
