"""`grader batch --scheduler`: a real Dask LocalCluster (scheduler and worker processes) grading
over HTTP against the moto server, the client writing the files."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest

from grader.batch import run_batch
from grader.cli import main
from grader.demo.notebook_factory import demo_notebook
from grader.demo.scenario import Scenario
from tests.batch_helpers import (
    assert_every_student_once,
    assert_one_kernel_at_a_time,
    kernel_times,
    write_sleepers,
)
from tests.test_batch import quiet, role_row, write_roster
from tests.test_workers import REGIONS, class_roster, verdicts

distributed = pytest.importorskip("distributed")


@pytest.fixture
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as lc, distributed.Client(lc) as client:
        yield lc, client


def files_of(out):
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())


def test_a_cluster_gives_the_files_and_verdicts_of_a_local_run(build, moto_url, tmp_path, cluster, capsys):
    lc, _client = cluster
    complete = build(Scenario())
    left = build(Scenario(configs_left=("us-east-2",)))
    subs = tmp_path / "subs" / "s01"
    subs.mkdir(parents=True)
    sc = complete.scenario
    for kind, name in (("rainfall", "rainfall_forecast.ipynb"), ("credit", "credit-risk-classification.ipynb")):
        (subs / name).write_text(demo_notebook(kind, bucket=sc.private_name, rainfall_job=sc.job_name("rainfall"),
                                               credit_job=sc.job_name("credit")), encoding="utf-8")
    roster = write_roster(tmp_path / "roster.csv", [
        role_row("s01", complete, notebooks="subs/s01"), role_row("s02", left), role_row("s03", complete),
        {"student_id": "s04", "profile": "no-such-profile-xyz"}])
    local = run_batch(roster, out=tmp_path / "local", endpoint_url=moto_url, regions=REGIONS, workers=1,
                      progress=quiet())
    capsys.readouterr()
    code = main(["batch", str(roster), "--out", str(tmp_path / "dask"), "--endpoint-url", moto_url,
                 "--regions", ",".join(REGIONS), "--scheduler", lc.scheduler_address])
    err = capsys.readouterr().err

    assert code == local.exit_code == 1  # s04's profile does not exist: its error row
    assert files_of(tmp_path / "dask") == files_of(tmp_path / "local")
    assert verdicts(tmp_path / "dask") == verdicts(tmp_path / "local")
    assert err.count("] s0") == 4 and "s04 error: AWS profile 'no-such-profile-xyz' is not configured" in err
    report = json.loads((tmp_path / "dask" / "students" / "s01" / "report.json").read_text())
    text = json.dumps(report)
    assert str(subs) in text and "grader-task-" not in text  # the paths are the client's, not the worker's copy
    assert {i["id"]: i["status"] for i in report["items"]}["nb-credit-accuracy"] != "skip"


def test_a_cluster_worker_killed_mid_run_loses_and_duplicates_no_student(build, moto_url, tmp_path, cluster,
                                                                          monkeypatch):
    import moto.sts.responses as sts_responses

    real = sts_responses.TokenResponse.get_caller_identity

    def slow(self, *args, **kwargs):
        time.sleep(0.5)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(sts_responses.TokenResponse, "get_caller_identity", slow)
    lc, client = cluster
    n = 10
    roster = class_roster(build, tmp_path, n)
    out = tmp_path / "out"
    box = {}
    runner = threading.Thread(target=lambda: box.setdefault("result", run_batch(
        roster, out=out, endpoint_url=moto_url, regions=REGIONS, scheduler=lc.scheduler_address, progress=quiet())))
    runner.start()
    deadline = time.monotonic() + 120
    while len(list(out.glob("students/*/report.json"))) < 2:
        assert time.monotonic() < deadline and runner.is_alive()
        time.sleep(0.02)
    pid = next(iter(client.run(os.getpid).values()))
    os.kill(pid, signal.SIGKILL)
    runner.join(180)
    result = box["result"]

    assert result.graded == n and result.exit_code == 0  # the lost worker's tasks ran again elsewhere
    assert_every_student_once(out, n)


def test_with_reproduce_the_cluster_gives_the_local_files_and_one_kernel_per_core(build, moto_url, tmp_path, cluster):
    """`--reproduce` on the cluster: the executed copies come back and are written by the client,
    the verdicts are the local run's, and each worker runs one kernel at a time (2 workers on
    this host: its cores shared among them), so the cluster runs no more kernels than cores."""
    from grader.cluster import kernel_plan

    lc, client = cluster
    plan = kernel_plan(client)
    cores = len(os.sched_getaffinity(0))
    assert sorted(plan) == sorted(client.nthreads()) and sum(plan.values()) == max(len(plan), cores)
    built = build(Scenario())
    rows = [role_row(sid, built, notebooks=str(write_sleepers(tmp_path / "nb" / sid, 1.5))) for sid in ("s01", "s02")]
    roster = write_roster(tmp_path / "roster.csv", rows)
    runs = {}
    for label, kwargs in (("local", {"workers": 1}), ("dask", {"scheduler": lc.scheduler_address})):
        result = run_batch(roster, out=tmp_path / label, endpoint_url=moto_url, regions=REGIONS, reproduce=True,
                           progress=quiet(), **kwargs)
        assert result.graded == 2
        runs[label] = verdicts(tmp_path / label)
    assert runs["dask"] == runs["local"]
    assert files_of(tmp_path / "dask") == files_of(tmp_path / "local")
    assert len(list((tmp_path / "dask").glob("students/*/executed/*.ipynb"))) == 4
    if cores <= len(plan):  # one kernel per worker: a student's two notebooks ran one after the other
        for sid in ("s01", "s02"):
            assert_one_kernel_at_a_time(kernel_times(tmp_path / "dask", sid))


def test_the_kernel_plan_never_gives_a_worker_more_slots_than_threads():
    """A worker of one thread runs one task at a time: more slots would only queue students
    (their time limit counts from submission), whatever its host's cores."""
    from grader.cluster import kernel_plan

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as lc, distributed.Client(lc) as client:
        assert list(kernel_plan(client).values()) == [1]
