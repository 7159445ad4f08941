"""Install size and time of the core and of each extra, each in a fresh venv.

    python benchmarks/bench_install.py [--only core,demo] [--cold]

For the core (`pip install <repo>`) and each extra (`pip install '<repo>[extra]'`), a new venv is
made in a temporary folder and the install is timed (wall clock, pip's own build of the project
included). Printed per install: the size of site-packages in MB (10^6 bytes, apparent size of
every file, pip and setuptools included), the wall time, the number of distributions, and which
of the heavy packages (sagemaker, moto, pandas, scikit-learn, scipy, numpy) it pulled in.
Wheels come from pip's cache when they were downloaded before; --cold uses an empty cache, so
the time includes downloading everything.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTRAS = ("demo", "reproduce", "dask", "test", "all")
HEAVY = ("sagemaker", "moto", "pandas", "scikit-learn", "scipy", "numpy")


def make_venv(path: Path, python: str = sys.executable) -> Path:
    """A fresh venv at `path`; returns its python."""
    subprocess.run([python, "-m", "venv", str(path)], check=True)
    return path / "bin" / "python"


def pip_install(python: Path, *requirements: str, env: dict[str, str] | None = None) -> float:
    """`pip install requirements` into `python`'s venv; returns the wall time in seconds."""
    start = time.perf_counter()
    proc = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *requirements],
                          capture_output=True, text=True, env=env)
    if proc.returncode:
        raise RuntimeError(f"pip install {' '.join(requirements)} failed:\n{proc.stdout}{proc.stderr}")
    return time.perf_counter() - start


def site_packages(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout.strip())


def size_mb(folder: Path) -> float:
    """Apparent size of every file under `folder`, in MB (10^6 bytes)."""
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                total += os.path.getsize(path)
    return total / 1e6


def distributions(python: Path) -> dict[str, str]:
    """name (lower case, '-' for '_') -> version of every distribution installed in the venv."""
    out = subprocess.run([str(python), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
                         capture_output=True, text=True, check=True).stdout
    return {d["name"].lower().replace("_", "-"): d["version"] for d in json.loads(out)}


def measure(extra: str | None, workdir: Path, env: dict[str, str]) -> dict:
    venv = workdir / (extra or "core")
    python = make_venv(venv)
    target = str(ROOT) if extra is None else f"{ROOT}[{extra}]"
    seconds = pip_install(python, target, env=env)
    dists = distributions(python)
    return {"install": extra or "core", "site_packages_mb": round(size_mb(site_packages(python)), 1),
            "seconds": round(seconds, 1), "distributions": len(dists),
            "heavy": [name for name in HEAVY if name in dists]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="comma-separated: core and/or extras (default: core and every extra)")
    parser.add_argument("--cold", action="store_true", help="use an empty pip cache (time includes downloads)")
    args = parser.parse_args()
    wanted = args.only.split(",") if args.only else ["core", *EXTRAS]
    with tempfile.TemporaryDirectory(prefix="bench-install-") as tmp:
        env = dict(os.environ)
        if args.cold:
            env["PIP_CACHE_DIR"] = str(Path(tmp) / "pip-cache")
        print(f"python {sys.version.split()[0]}, pip cache {'empty' if args.cold else 'as is'}, "
              f"{os.cpu_count()} cores", flush=True)
        print(f"{'install':<10} {'site-packages MB':>16} {'wall s':>7} {'dists':>6}  heavy packages", flush=True)
        for name in wanted:
            row = measure(None if name == "core" else name, Path(tmp), env)
            print(f"{row['install']:<10} {row['site_packages_mb']:>16.1f} {row['seconds']:>7.1f} "
                  f"{row['distributions']:>6}  {', '.join(row['heavy']) or '-'}", flush=True)


if __name__ == "__main__":
    main()
