"""A class of 100 and 300 students with 50 ms of network latency per AWS call, at --jobs 1, 8, 32.

    python benchmarks/bench_class.py                    # 100 and 300 students, jobs 1, 8, 32
    python benchmarks/bench_class.py --quick            # 30 and 100 students: about 2 minutes
    python benchmarks/bench_class.py --full             # also the runs predicted to be long
    python benchmarks/bench_class.py --sizes 300 --jobs 32 --latency-ms 50

Each run is `grader.batch.run_batch` (the code of `grader batch`) on a roster whose students
are spread over 8 synthetic accounts on a moto server in its own process, each with both executed
notebooks; the latency is a botocore `before-send` hook that sleeps (see _harness.py).

Printed per run: wall time; total AWS calls; the ideal bound = calls x latency / jobs (what
perfect overlap of the waiting would give); wall / ideal. Also the CPU the grader and the moto
server used: on a small machine the work stops being latency-bound when CPU time per call
times concurrency exceeds the latency, and then wall time follows CPU, not the ideal bound.
The grader is one Python process (its threads share one core for Python code) and moto is
another, so the floor is max(ideal, grader CPU, moto CPU); `wall/floor` is wall over that.

A run whose predicted wall time exceeds --budget-s (default 240 s; jobs 1 x 300 students at
50 ms takes about 10 minutes) is skipped unless --full, and the prediction is printed instead.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _harness import REGIONS, MotoClass, latency_access, machine, quiet_progress


def run(moto: MotoClass, tmp: Path, students: int, jobs: int, latency_s: float, notebooks: bool) -> dict:
    from grader.batch import run_batch

    roster = moto.roster(tmp / f"roster-{students}.csv", students, notebooks=notebooks)
    out = tmp / f"out-{students}-{jobs}"
    m0, c0, t0 = moto.cpu_s(), time.process_time(), time.perf_counter()
    result = run_batch(roster, out=out, jobs=jobs, endpoint_url=moto.url, regions=REGIONS,
                       progress=quiet_progress(), access_factory=latency_access(latency_s))
    wall = time.perf_counter() - t0
    grader_cpu = time.process_time() - c0
    moto_cpu = (moto.cpu_s() or 0.0) - (m0 or 0.0)
    if result.errors:
        raise SystemExit(f"{len(result.errors)} students could not be graded: {result.errors[0].message}")
    calls = result.api_calls
    ideal = calls * latency_s / jobs
    return {"students": students, "jobs": jobs, "wall": wall, "calls": calls, "ideal": ideal,
            "grader_cpu": grader_cpu, "moto_cpu": moto_cpu}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,300")
    ap.add_argument("--jobs", default="1,8,32")
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--budget-s", type=float, default=240.0, help="skip runs predicted to take longer")
    ap.add_argument("--full", action="store_true", help="run everything, however long")
    ap.add_argument("--quick", action="store_true", help="sizes 30,100 and a 60 s budget")
    ap.add_argument("--no-notebooks", action="store_true", help="grade the accounts only")
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.budget_s = "30,100", 60.0
    sizes = [int(x) for x in args.sizes.split(",")]
    jobs_list = [int(x) for x in args.jobs.split(",")]
    latency = args.latency_ms / 1000
    notebooks = not args.no_notebooks

    print(f"bench_class: {machine()}; latency {args.latency_ms:g} ms per AWS call; regions {','.join(REGIONS)}; "
          f"notebooks {'yes' if notebooks else 'no'}")
    with MotoClass(accounts=8) as moto, tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        print(f"moto server with 8 synthetic accounts built in {moto.build_s:.1f} s")
        run(moto, tmp, 2, 2, 0.0, notebooks)  # warm-up: imports, first call of each moto service
        cal = run(moto, tmp, 4, 1, latency, notebooks)
        per = {k: cal[k] / 4 for k in ("wall", "calls", "grader_cpu", "moto_cpu")}
        print(f"calibration (4 students, jobs 1): {per['calls']:.0f} calls, {per['wall']:.2f} s wall, "
              f"{per['grader_cpu'] * 1000:.0f} ms grader CPU, {per['moto_cpu'] * 1000:.0f} ms moto CPU per student")
        print(f"\n{'students':>8} {'jobs':>4} {'wall s':>8} {'calls':>6} {'ideal s':>8} {'wall/ideal':>10} "
              f"{'grader CPU s':>12} {'moto CPU s':>10} {'wall/floor':>10}")
        rows = []
        for students in sizes:
            for jobs in jobs_list:
                predicted = max(students * per["wall"] / jobs, students * per["grader_cpu"],
                                students * per["moto_cpu"])
                if predicted > args.budget_s and not args.full:
                    print(f"{students:>8} {jobs:>4}  skipped: predicted {predicted:.0f} s > --budget-s "
                          f"{args.budget_s:g} (run with --full)")
                    continue
                r = run(moto, tmp, students, jobs, latency, notebooks)
                rows.append(r)
                floor = max(r["ideal"], r["grader_cpu"], r["moto_cpu"])
                print(f"{students:>8} {jobs:>4} {r['wall']:>8.1f} {r['calls']:>6} {r['ideal']:>8.1f} "
                      f"{r['wall'] / r['ideal']:>10.2f} {r['grader_cpu']:>12.1f} {r['moto_cpu']:>10.1f} "
                      f"{r['wall'] / floor:>10.2f}", flush=True)
        if rows:
            worst = max(rows, key=lambda r: r["wall"] / r["ideal"])
            cpu_per_call = (worst["grader_cpu"] + worst["moto_cpu"]) / worst["calls"]
            print(f"\nCPU per AWS call (grader + moto): {cpu_per_call * 1000:.1f} ms. The waiting overlaps "
                  f"fully only while CPU per call x jobs < latency x cores, i.e. jobs < "
                  f"{latency * 2 / cpu_per_call:.0f} on 2 cores here; beyond that wall time is CPU time.")


if __name__ == "__main__":
    main()
