"""Peak memory of a 1,000-student batch.

    python benchmarks/bench_memory.py [--students 1000] [--jobs 8] [--quick]

The batch runs in a fresh Python process that imports only what `grader batch` imports (this
script's own process has built notebooks with pandas and scikit-learn, which the grader never
loads), against a moto server in a third process. Students are spread over 8 synthetic accounts,
each with both executed notebooks. Printed: the batch process's resident memory as it goes
(every 10% of the class) and its peak (ru_maxrss), with the wall time.
--quick grades 300 students instead (about 2 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import REGIONS, MotoClass, current_rss_mb, machine, peak_rss_mb


def child(roster: str, out: str, jobs: int, url: str) -> None:
    """The measured process: run the batch, sample RSS as students finish, print JSON."""
    from _harness import latency_access

    from grader.batch import run_batch
    from grader.progress import Progress

    samples: list[tuple[int, float | None]] = []

    class Sampling(Progress):
        def advance(self, outcome) -> None:
            self.count += 1
            step = max(1, self.total // 10)
            if self.count % step == 0 or self.count == self.total:
                samples.append((self.count, current_rss_mb()))

    import io

    before = current_rss_mb()
    t0 = time.perf_counter()
    result = run_batch(roster, out=out, jobs=jobs, endpoint_url=url, regions=REGIONS,
                       progress=Sampling(io.StringIO()), access_factory=latency_access(0))
    print(json.dumps({"wall": time.perf_counter() - t0, "peak_mb": peak_rss_mb(), "start_mb": before,
                      "samples": samples, "graded": result.graded, "errors": len(result.errors),
                      "calls": result.api_calls}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=8)
    ap.add_argument("--quick", action="store_true", help="300 students")
    args = ap.parse_args()
    students = 300 if args.quick else args.students
    print(f"bench_memory: {machine()}; {students} students, --jobs {args.jobs}, regions {','.join(REGIONS)}")
    with MotoClass(accounts=8) as moto, tempfile.TemporaryDirectory() as tmpdir:
        roster = moto.roster(Path(tmpdir) / "roster.csv", students)
        proc = subprocess.run(
            [sys.executable, __file__, "--child", str(roster), str(Path(tmpdir) / "out"), str(args.jobs), moto.url],
            capture_output=True, text=True, cwd=Path(__file__).parent,
        )
        if proc.returncode != 0:
            raise SystemExit(f"the batch process failed:\n{proc.stderr[-3000:]}")
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        class_json = (Path(tmpdir) / "out" / "class.json").stat().st_size
    print(f"graded {r['graded']} of {students} ({r['errors']} errors), {r['calls']} AWS calls, "
          f"wall {r['wall']:.0f} s")
    print(f"resident memory after imports: {r['start_mb']:.0f} MB")
    for done, rss in r["samples"]:
        print(f"  after {done:5d} students: {rss:.0f} MB")
    print(f"peak resident memory (ru_maxrss) of the batch process: {r['peak_mb']:.0f} MB (goal: < 300 MB)")
    print(f"class.json: {class_json / 1e6:.1f} MB")


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        main()
