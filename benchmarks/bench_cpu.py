"""The grader's CPU next to moto's, without a batch around it: per student and per request.

    python benchmarks/bench_cpu.py                  # 30 students one after the other, then each operation
    python benchmarks/bench_cpu.py --students 60 --rounds 3

- Per student: `StudentGrader.render` (grading and rendering one roster row, what a worker does
  for each student) for --students students one after the other in this process, against a
  moto server in its own process (8 synthetic accounts, 3 regions, both notebooks). CPU by
  `time.process_time` (the grader's region threads included) and moto's from /proc. Without a
  batch: no worker processes, no thread contention across students, no class pass.
- Per request: one client per service, each operation called in a loop (after one call):
  what one request costs the grader and moto.

To compare two versions of the code, run this script from each checkout, alternating, in one
session: absolute figures drift on a shared machine, their ratio much less.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _harness import REGIONS, LatencyProxy, MotoClass, machine


def per_student(moto: MotoClass, url: str, tmp: Path, students: int) -> tuple[float, float]:
    from grader.batch import _student_formats
    from grader.gradetask import StudentGrader
    from grader.roster import read_roster
    from grader.rubric import load_rubric

    entries = list(read_roster(moto.roster(tmp / "roster.csv", students + len(moto.accounts))))
    grader = StudentGrader(load_rubric(), _student_formats([]), tmp / "students", url, REGIONS, False, None, None,
                           False)
    for entry in entries[:len(moto.accounts)]:  # warm: client classes, models, moto's first calls
        grader.render(entry)
    m0, c0 = moto.cpu_s() or 0.0, time.process_time()
    for entry in entries[len(moto.accounts):]:
        grader.render(entry)
    return (time.process_time() - c0) / students, ((moto.cpu_s() or 0.0) - m0) / students


def per_request(moto: MotoClass, url: str, calls: int) -> list[tuple[str, float, float]]:
    from grader.aws.session import AwsAccess, AwsTarget

    account = moto.accounts[0]
    access = AwsAccess(AwsTarget(endpoint_url=url, role_arn=account["role_arn"], external_id="bench-cpu"))
    iam, sts = access.client("iam"), access.client("sts")
    s3, sm = access.client("s3", REGIONS[0]), access.client("sagemaker", REGIONS[0])
    bucket = s3.list_buckets()["Buckets"][0]["Name"]
    operations = {
        "sts GetCallerIdentity": sts.get_caller_identity,
        "iam ListUsers": iam.list_users,
        "iam GetAccountSummary": iam.get_account_summary,
        "s3 ListBuckets": s3.list_buckets,
        "s3 GetBucketAcl": lambda: s3.get_bucket_acl(Bucket=bucket),
        "s3 ListObjectsV2": lambda: s3.list_objects_v2(Bucket=bucket),
        "sagemaker ListTrainingJobs": sm.list_training_jobs,
        "sagemaker ListEndpoints": sm.list_endpoints,
    }
    found = []
    for name, call in operations.items():
        call()
        m0, c0 = moto.cpu_s() or 0.0, time.process_time()
        for _ in range(calls):
            call()
        found.append((name, (time.process_time() - c0) / calls, ((moto.cpu_s() or 0.0) - m0) / calls))
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=1, help="per-student measurements, each a fresh class")
    ap.add_argument("--calls", type=int, default=40, help="calls of each operation")
    args = ap.parse_args()
    os.environ["GRADER_CLIENT_HOOKS"] = "grader.demo.moto_hooks:MOTO_HOOKS"  # s3control host, path-style S3
    print(f"bench_cpu: {machine()}; code at {Path(__import__('grader').__file__).parent}")
    with MotoClass(accounts=8) as moto, LatencyProxy(moto.url, 0) as proxy:
        for r in range(args.rounds):
            with tempfile.TemporaryDirectory() as tmpdir:
                grader_s, moto_s = per_student(moto, proxy.url, Path(tmpdir), args.students)
            print(f"per student (round {r + 1}, {args.students} one after the other): grader {grader_s * 1000:.1f} ms, "
                  f"moto {moto_s * 1000:.1f} ms, grader / moto {grader_s / moto_s:.2f}", flush=True)
        print(f"\n{'operation':28} {'grader ms':>9} {'moto ms':>8} {'ratio':>6}")
        for name, grader_s, moto_s in per_request(moto, proxy.url, args.calls):
            print(f"{name:28} {grader_s * 1000:9.2f} {moto_s * 1000:8.2f} {grader_s / moto_s:6.2f}")


if __name__ == "__main__":
    main()
