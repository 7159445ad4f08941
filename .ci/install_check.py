"""CI's install check (issue 11): the core install is light, grades like the full one, and leaves a
student's SageMaker SDK 3 alone.

    python3 .ci/install_check.py --full-python .tox/tests/bin/python

`--full-python` is an environment with everything (the tox test env): it runs the moto server
and builds the synthetic student, and grades with the full install for comparison.
(a) a fresh venv with the core install (`pip install <repo>`): none of the heavy packages, and
    site-packages at most 150 MB; `grader check` there grades a complete synthetic student (on
    a moto server run by the full environment) with the same verdicts as the full install, and
    its RecordIO training data decoded.
(b) the built wheel's METADATA: no sagemaker, moto, pandas or scikit-learn outside an extra.
(c) a venv with `sagemaker>=3`: installing the core grader leaves the SDK's version unchanged.
Each part is timed; the last line is 'install-check: N passed, N failed'.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_install import distributions, make_venv, pip_install, site_packages, size_mb  # noqa: E402

HEAVY = ("sagemaker", "moto", "pandas", "scikit-learn", "scipy")
NOT_IN_CORE = ("sagemaker", "moto", "pandas", "scikit-learn")
MAX_CORE_MB = 150
REGIONS = "us-east-2,ca-central-1,us-west-2"
EXTERNAL_ID = "ext-install-check"

SERVE = """
import json, sys
from pathlib import Path
from grader.demo.moto_env import moto_server
from grader.demo.notebook_factory import demo_notebook
from grader.demo.scenario import Scenario, build_student

folder = Path(sys.argv[1])
folder.mkdir(parents=True, exist_ok=True)
with moto_server() as url:
    built = build_student(url, "318529990001", Scenario())
    sc = built.scenario
    names = {"bucket": sc.private_name, "rainfall_job": sc.job_name("rainfall"), "credit_job": sc.job_name("credit")}
    for kind, name in (("rainfall", "rainfall_forecast.ipynb"), ("credit", "credit-risk-classification.ipynb")):
        (folder / name).write_text(demo_notebook(kind, None, **names))
    print(json.dumps({"url": url, "role_arn": built.role_arn}), flush=True)
    sys.stdin.read()  # serve until the parent closes stdin
"""


def aws_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE=str(tmp / "no-aws-config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp / "no-aws-creds"),
               SAGEMAKER_SUPPRESS_V2_WARNING="1",
               # against a moto server: its multi-account anonymous GET (grader.demo.moto_hooks, docs/tas.md)
               GRADER_CLIENT_HOOKS="grader.demo.moto_hooks:MOTO_HOOKS")
    return env


def grade(python: Path, student: dict, notebooks: Path, out: Path, env: dict[str, str]) -> tuple[int, dict]:
    """`grader check` with `python`'s install; (exit code, report.json)."""
    cmd = [str(python), "-m", "grader.cli", "check", "--student", "s1", "--notebooks", str(notebooks),
           "--out", str(out), "--format", "json", "--role-arn", student["role_arn"], "--external-id", EXTERNAL_ID,
           "--endpoint-url", student["url"], "--regions", REGIONS]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=out.parent, timeout=600)
    report = out / "report.json"
    if not report.is_file():
        raise AssertionError(f"{python}: grader check wrote no report (exit {proc.returncode}): {proc.stderr}")
    return proc.returncode, json.loads(report.read_text())


def verdicts(report: dict) -> dict[str, str]:
    return {item["id"]: item["status"] for item in report["items"]}


def part_a(full_python: Path, tmp: Path) -> str:
    python = make_venv(tmp / "core")
    seconds = pip_install(python, str(ROOT))
    dists = distributions(python)
    present = [name for name in HEAVY if name in dists]
    assert not present, f"the core install pulled in {present}"
    mb = size_mb(site_packages(python))
    assert mb <= MAX_CORE_MB, f"core site-packages is {mb:.1f} MB (> {MAX_CORE_MB})"
    env = aws_env(tmp)
    server = subprocess.Popen([str(full_python), "-c", SERVE, str(tmp / "notebooks")], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env)
    try:
        line = server.stdout.readline()
        assert line, "the moto server process exited before building the student"
        student = json.loads(line)
        (tmp / "core-out").mkdir()
        (tmp / "full-out").mkdir()
        core_code, core = grade(python, student, tmp / "notebooks", tmp / "core-out" / "r", env)
        full_code, full = grade(full_python, student, tmp / "notebooks", tmp / "full-out" / "r", env)
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    differ = {i: (verdicts(core).get(i), v) for i, v in verdicts(full).items() if verdicts(core).get(i) != v}
    assert verdicts(core) == verdicts(full), f"verdicts differ (core, full): {differ}; the items: " + json.dumps(
        [i for r in (core, full) for i in r["items"] if i["id"] in differ])[:3000]
    assert core_code == full_code == 0, f"exit codes: core {core_code}, full {full_code} (a complete student: 0)"
    not_run = {i for i, v in verdicts(core).items() if v == "skip"}
    assert not_run == {"nb-credit-reproduced", "nb-rainfall-reproduced"}, f"skipped: {not_run}"  # no --reproduce
    assert set(verdicts(core).values()) <= {"pass", "manual", "skip"}, f"a complete student not all pass: {verdicts(core)}"
    data = next(i for i in core["items"] if i["id"] == "sagemaker-rainfall-data")
    blob = json.dumps(data)
    decoded = [int(n) for n in re.findall(r'"records_decoded": (\d+)', blob)]
    assert decoded and min(decoded) > 0, f"RecordIO not decoded by the core install: {blob[:600]}"
    return (f"core: {mb:.1f} MB site-packages, {len(dists)} distributions, installed in {seconds:.1f} s; "
            f"{len(verdicts(core))} items pass (or manual), the full install's verdicts; RecordIO records decoded: {decoded}")


def part_b(tmp: Path) -> str:
    wheels = tmp / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--disable-pip-version-check",
                    "-w", str(wheels), str(ROOT)], check=True, capture_output=True)
    (wheel,) = wheels.glob("grader-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        metadata = zf.read(next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    requires = [line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    core = [r for r in requires if not re.search(r"""extra\s*==""", r)]
    names = [re.match(r"[A-Za-z0-9._-]+", r).group(0).lower().replace("_", "-") for r in core]
    bad = [n for n in names if n in NOT_IN_CORE]
    assert not bad, f"core Requires-Dist has {bad}: {core}"
    in_extras = {n for n in NOT_IN_CORE if any(r.lower().startswith(n) and "extra" in r for r in requires)}
    assert in_extras == set(NOT_IN_CORE), f"expected {NOT_IN_CORE} under extras, found {sorted(in_extras)}"
    return f"{wheel.name}: core Requires-Dist = {', '.join(names)}"


def part_c(tmp: Path) -> str:
    python = make_venv(tmp / "sdk3")
    sdk_seconds = pip_install(python, "sagemaker>=3")
    before = distributions(python)
    assert before["sagemaker"].split(".")[0] == "3", f"got sagemaker {before['sagemaker']}"
    seconds = pip_install(python, str(ROOT))
    after = distributions(python)
    assert after["sagemaker"] == before["sagemaker"], f"sagemaker {before['sagemaker']} -> {after['sagemaker']}"
    changed = sorted(n for n in before if after.get(n) != before[n])
    code = ("from grader.recordio import read_records, write_dense_records; import sagemaker; "
            "r = read_records(write_dense_records([[1.0, 2.0]], [3.0])); "
            "print(list(r[0].features['values'].float32_tensor.values))")
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, env=aws_env(tmp))
    assert out.returncode == 0 and out.stdout.strip() == "[1.0, 2.0]", out.stderr[-800:]
    return (f"sagemaker {after['sagemaker']} unchanged (SDK installed in {sdk_seconds:.1f} s, grader in "
            f"{seconds:.1f} s); distributions whose version changed: {changed or 'none'}; RecordIO works next to it")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full-python", type=Path, required=True, help="python of an environment with .[all]")
    parser.add_argument("--only", default="a,b,c")
    args = parser.parse_args()
    full_python = Path(os.path.abspath(args.full_python))  # not resolve(): a venv's python is a symlink
    parts = {"a": lambda tmp: part_a(full_python, tmp), "b": part_b, "c": part_c}
    passed = failed = 0
    total = time.perf_counter()
    for name in args.only.split(","):
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix=f"install-check-{name}-") as tmp:
            try:
                summary = parts[name](Path(tmp))
                passed += 1
                print(f"install-check ({name}) PASSED in {time.perf_counter() - start:.0f} s: {summary}", flush=True)
            except Exception:  # noqa: BLE001 - report every part, then fail
                failed += 1
                print(f"install-check ({name}) FAILED in {time.perf_counter() - start:.0f} s:\n"
                      f"{traceback.format_exc()}", flush=True)
    print(f"install-check took {time.perf_counter() - total:.0f} s")
    print(f"install-check: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
