"""One complete student: wall time, AWS API calls (by operation), grader CPU, report rendering.

    python benchmarks/bench_one_student.py [--runs 5] [--latency-ms 0,50] [--regions all|R1,R2]

Grades a synthetic student who did the lesson right (with both executed notebooks) against a
moto server in its own process, `--runs` times per latency, and prints the median. With
`--latency-ms 50` every AWS request first waits 50 ms, like a real network round trip.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from _harness import REGIONS, MotoClass, latency_access, machine, write_notebooks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--latency-ms", default="0,50", help="comma-separated latencies to measure")
    ap.add_argument("--regions", default=",".join(REGIONS), help="'all' or a list (default: the 3 the account uses)")
    args = ap.parse_args()

    from grader.aws.session import AwsTarget
    from grader.engine import GradeRequest, grade_student
    from grader.models import StudentInfo
    from grader.rubric import load_rubric
    from reports import write_student

    regions = None if args.regions == "all" else args.regions.split(",")
    rubric = load_rubric()
    print(f"bench_one_student: {machine()}; regions: {args.regions}; runs: {args.runs}")
    with MotoClass(accounts=1) as moto, tempfile.TemporaryDirectory() as tmp:
        notebooks = write_notebooks(Path(tmp) / "nb", 0)
        target = AwsTarget(role_arn=moto.accounts[0]["role_arn"], external_id="bench-0001", endpoint_url=moto.url)

        def grade(factory):
            request = GradeRequest(student=StudentInfo(id="b0001"), target=target, notebooks=notebooks,
                                   regions=regions)
            return grade_student(request, rubric, access=factory(target))

        grade(latency_access(0))  # warm-up: imports, first call of each moto service
        for ms in [float(x) for x in args.latency_ms.split(",")]:
            factory = latency_access(ms / 1000)
            walls, cpus = [], []
            for _ in range(args.runs):
                t0, c0 = time.perf_counter(), time.process_time()
                report = grade(factory)
                walls.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
            calls = report.stats["api_calls"]
            wall = statistics.median(walls)
            print(f"\nlatency {ms:g} ms: wall {wall:.2f} s (median of {args.runs}; min {min(walls):.2f}, "
                  f"max {max(walls):.2f}), {calls} AWS calls, grader CPU {statistics.median(cpus):.2f} s, "
                  f"status {report.status} {report.score.percent:g}%")
            if ms:
                print(f"  serial bound (calls x latency): {calls * ms / 1000:.2f} s; "
                      f"wall / serial bound: {wall / (calls * ms / 1000):.2f} (below 1: regions fanned out)")
        print("\nAWS calls by operation:")
        for op, n in sorted(report.stats["operations"].items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {n:3d}  {op}")
        data = report.to_dict()
        t0 = time.perf_counter()
        for _ in range(args.runs):
            write_student(data, Path(tmp) / "out", ["html", "json"])
        print(f"\nwriting report.html + report.json: {(time.perf_counter() - t0) / args.runs * 1000:.0f} ms")
        print(f"budget (interface): 60 + 5 x {len(regions) if regions else 'regions'} calls"
              + (f" = {60 + 5 * len(regions)}" if regions else ""))


if __name__ == "__main__":
    main()
