"""A class graded with 50 ms added to every AWS request, in 1 and 2 worker processes and on a
2-worker Dask LocalCluster; against the latency bound and the CPU bound.

    python benchmarks/bench_class.py                       # 60 students, 50 ms, workers 1 and 2, LocalCluster
    python benchmarks/bench_class.py --students 30 --latency-ms 50 --jobs 16 --modes w1,w2,dask
    python benchmarks/bench_class.py --reproduce 20        # also: --reproduce, workers 1 against LocalCluster

The fake AWS is moto servers in processes of their own (--fake-aws-processes, by default one
per core, the accounts spread over them: _harness.MotoClass) holding --accounts synthetic
accounts (by default one per student as in a real class; a roster row i grades account i mod
--accounts with that account's two executed notebooks: with fewer accounts than students, the
students sharing an account share its notebooks, and the class pass flags them all as shared
work, re-rendering every report), behind a latency proxy, another process that waits
--latency-ms before forwarding each request to the server holding its account (see
_harness.py; a request it could not place fails the benchmark). Each run is
`grader.batch.run_batch`, the code of `grader batch`.

The fake AWS stands in for AWS's own machines, yet here it shares two cores with the grader.
One moto process (GIL-bound, half of all the CPU spent) was the wall: it could never use the
second core, and while the grader's workers ran out their time slices a request that had
reached it waited, then it went idle for want of requests (about 80% busy over a run). AWS
answers each account from machines of its own, hence one server per core. With one server,
putting the fake AWS first helped (this process at nice +10 once it had started, which the
workers and the LocalCluster inherit); with a server per core it no longer does: the fake AWS
then takes both cores in its bursts and a single grader process waits (wall/max, alternated
runs of the same code: --workers 1 1.21/1.22 with it, 1.15/1.14 without). So all run at one
priority unless --fake-aws-first. The CPU each side spends is counted either way.

Printed per run:
- wall: the run's wall time;
- latency bound: requests x latency / students at once (--jobs): the wall time if the waiting
  overlapped perfectly and nothing else took time;
- CPU bound: (grader CPU + fake AWS CPU) / cores: the wall time if every core were busy all the
  time. Grader CPU is the batch's process and its workers, with the fork server they start
  from (each run starts its own), or the cluster's workers and scheduler; fake AWS CPU is
  moto's and the proxy's;
- wall / max(bounds), and the grader's CPU per student next to moto's (and their ratio);
- marginal: what one more student costs the grader and moto (ms/ms=ratio), from a class of
  --small students run just before in the same mode: (CPU of the class - CPU of the small
  class) / (the difference in students). It leaves out what a run costs once whatever its size
  (starting worker processes and importing in them, the class files), which a class of 60
  divides by 60 and a MOOC by 50,000.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
from pathlib import Path

from _harness import (
    REGIONS,
    LatencyProxy,
    MotoClass,
    forkserver_cpu_s,
    machine,
    quiet_progress,
    stop_forkserver,
)

FAKE_AWS_FIRST = 10  # the grader's niceness once the fake AWS has started (see the module doc)


def children_cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def own_and_children_cpu_s() -> float:
    """Run on each cluster worker: its CPU and its ended children's (the sandbox kernels), as the
    local modes count their workers' through the fork server."""
    return time.process_time() + children_cpu_s()


def run(mode: str, roster: Path, out: Path, url: str, jobs: int, reproduce: bool, cluster=None) -> dict:
    from grader.batch import run_batch

    kwargs = {"workers": int(mode[1:])} if mode.startswith("w") else {}
    if mode == "dask":
        kwargs["scheduler"] = cluster.scheduler_address
        worker_cpu0 = sum(cluster_client(cluster).run(own_and_children_cpu_s).values())
    if mode.startswith("w"):
        stop_forkserver()  # each run starts its own, as a `grader batch` command does
    threads = threading.active_count()  # 1: the workers are forked from this process, as `grader batch` forks them
    c0, k0, f0, t0 = time.process_time(), children_cpu_s(), forkserver_cpu_s(), time.perf_counter()
    result = run_batch(roster, out=out, jobs=jobs, endpoint_url=url, regions=REGIONS, progress=quiet_progress(),
                       reproduce=reproduce, **kwargs)
    wall = time.perf_counter() - t0
    grader_cpu = time.process_time() - c0 + children_cpu_s() - k0 + forkserver_cpu_s() - f0
    if mode == "dask":
        grader_cpu += sum(cluster_client(cluster).run(own_and_children_cpu_s).values()) - worker_cpu0
    if result.errors:
        raise SystemExit(f"{mode}: {len(result.errors)} students not graded: {result.errors[0].message}")
    started = "" if mode == "dask" else "; workers forked" if threads == 1 else "; workers from a fork server"
    return {"mode": mode, "wall": wall, "calls": result.api_calls, "grader_cpu": grader_cpu, "started": started}


_clients: dict = {}


def cluster_client(cluster):
    from distributed import Client

    if id(cluster) not in _clients:
        _clients[id(cluster)] = Client(cluster)
    return _clients[id(cluster)]


def local_cluster(threads: int):
    """Two worker processes, started as docs/mooc-scale.md says to start grading workers: without
    Dask's statistical profiler (it samples every thread's stack every 10 ms), and with its
    event-loop tick and system monitor at 1 s and 5 s (20 ms and 0.5 s by default: made for a
    dashboard's graphs, they woke every worker and the scheduler 52 times a second), and its
    memory monitor every 1 s (100 ms by default: half the CPU an idle worker and its nanny
    used)."""
    import dask
    from distributed import LocalCluster

    dask.config.set({"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s",
                     "distributed.admin.system-monitor.interval": "5s",
                     "distributed.worker.memory.monitor-interval": "1s"})
    return LocalCluster(n_workers=2, threads_per_worker=threads, processes=True, dashboard_address=None,
                        host="127.0.0.1")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=60)
    ap.add_argument("--accounts", type=int, default=0, help="synthetic accounts (default: one per student)")
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--jobs", type=int, default=32, help="students at once (spread over the workers)")
    ap.add_argument("--modes", default="w1,w2,dask")
    ap.add_argument("--small", type=int, default=10,
                    help="students of the smaller class run first in each mode, for the marginal CPU per student")
    ap.add_argument("--reproduce", type=int, default=0, metavar="N",
                    help="also grade N students with --reproduce: workers 1 against a 2-worker LocalCluster")
    ap.add_argument("--reproduce-modes", default="w1,dask", help="the modes of the --reproduce runs; the first is "
                    "the baseline of the ratios")
    ap.add_argument("--fake-aws-processes", type=int, default=0, metavar="P",
                    help="moto servers the accounts are spread over (default: the cores)")
    ap.add_argument("--fake-aws-first", action="store_true",
                    help=f"the grader at nice +{FAKE_AWS_FIRST} once the fake AWS has started (default: one priority)")
    args = ap.parse_args()
    os.environ["GRADER_CLIENT_HOOKS"] = "grader.demo.moto_hooks:MOTO_HOOKS"  # s3control host, path-style S3
    latency = args.latency_ms / 1000
    cores = len(os.sched_getaffinity(0))
    modes = [m for m in args.modes.split(",") if m]
    print(f"bench_class: {machine()}; {args.students} students; {args.latency_ms:g} ms per request (proxy); "
          f"--jobs {args.jobs}; regions {','.join(REGIONS)}")
    accounts = args.accounts or args.students
    servers = args.fake_aws_processes or cores
    with MotoClass(accounts=accounts, processes=servers) as moto, LatencyProxy(moto, args.latency_ms) as proxy, \
            tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        print(f"{len(moto.procs)} moto servers with {accounts} synthetic accounts built in {moto.build_s:.1f} s; "
              f"proxy at {proxy.url}")
        if args.fake_aws_first:
            print(f"grader at nice {os.nice(FAKE_AWS_FIRST)} (the fake AWS at {os.getpriority(os.PRIO_PROCESS, moto.proc.pid)})")
        roster = moto.roster(tmp / "roster.csv", args.students)
        warm = moto.roster(tmp / "warm.csv", 4)
        # The cluster is started when a mode needs it, after the local modes: until then this
        # process has no thread but its main one, as a `grader batch` command, so its workers are
        # forked from it (grader.workers.worker_context); a Dask client's threads would send them
        # through a fork server.
        cluster = None

        def the_cluster():
            nonlocal cluster
            if cluster is None:
                cluster = local_cluster(max(1, args.jobs // 2))
                run("dask", warm, tmp / "warm-dask", proxy.url, 4, False, cluster)
            return cluster

        try:
            run("w2", warm, tmp / "warm-out", proxy.url, 4, False)  # moto's first calls
            print(f"\n{'mode':>10} {'wall s':>7} {'requests':>8} {'lat. bound':>10} {'CPU bound':>9} "
                  f"{'wall/max':>8} {'grader ms/st':>12} {'moto ms/st':>10} {'grader/moto':>11} "
                  f"{'marginal':>17}")
            small = moto.roster(tmp / "small.csv", args.small)

            def measure(mode: str, which: Path, jobs: int, out: str):
                on = the_cluster() if mode == "dask" else None
                m0, p0 = moto.cpu_s() or 0.0, proxy.cpu_s() or 0.0
                r = run(mode, which, tmp / out, proxy.url, jobs, False, on)
                cpu = (moto.cpu_s() or 0.0) - m0, (proxy.cpu_s() or 0.0) - p0
                if proxy.misses():
                    raise SystemExit(f"{mode}: {proxy.misses()} requests reached a moto server not holding their account")
                return (r, *cpu)

            for mode in modes:
                rs, moto_small, _ = measure(mode, small, min(args.jobs, args.small), f"small-{mode}")
                r, moto_cpu, proxy_cpu = measure(mode, roster, args.jobs, f"out-{mode}")
                lat_bound = r["calls"] * latency / args.jobs
                cpu_bound = (r["grader_cpu"] + moto_cpu + proxy_cpu) / cores
                n = args.students
                # what one more student costs: the difference of two classes, without what a run
                # costs once whatever its size (starting worker processes, importing, the class files)
                extra = n - args.small
                grader_marginal = (r["grader_cpu"] - rs["grader_cpu"]) / extra
                moto_marginal = (moto_cpu - moto_small) / extra
                name = f"workers {mode[1:]}" if mode.startswith("w") else "LocalCl. 2"
                print(f"{name:>10} {r['wall']:>7.1f} {r['calls']:>8} {lat_bound:>10.1f} {cpu_bound:>9.1f} "
                      f"{r['wall'] / max(lat_bound, cpu_bound):>8.2f} {r['grader_cpu'] / n * 1000:>12.0f} "
                      f"{moto_cpu / n * 1000:>10.0f} {r['grader_cpu'] / moto_cpu:>11.2f} "
                      f"{grader_marginal * 1000:>5.0f}/{moto_marginal * 1000:.0f}={grader_marginal / moto_marginal:.2f}"
                      f"   (proxy CPU {proxy_cpu / n * 1000:.0f} ms/st{r['started']})", flush=True)
            if args.reproduce:
                rroster = moto.roster(tmp / "reproduce.csv", args.reproduce)
                print(f"\n--reproduce, {args.reproduce} students:")
                base = None
                for mode in args.reproduce_modes.split(","):
                    on = the_cluster() if mode == "dask" else None
                    r = run(mode, rroster, tmp / f"repro-{mode}", proxy.url, args.jobs, True, on)
                    base = base or (mode, r["wall"])
                    print(f"{mode:>10} wall {r['wall']:.1f} s ({r['wall'] / base[1]:.2f}x {base[0]}), grader CPU "
                          f"{r['grader_cpu']:.1f} s", flush=True)
        finally:
            for c in _clients.values():
                c.close()
            if cluster is not None:
                cluster.close()


if __name__ == "__main__":
    main()
