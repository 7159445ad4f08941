"""The sandbox a student's notebook runs in: the boundary between their code and the grader.

What crosses it, and how (style principle 13):
- files: the kernel runs in a scratch folder (`scratch.py` fills it: a copy of the submission plus
  the lesson's data); HOME, TMPDIR, IPYTHONDIR, MPLCONFIGDIR and the AWS config and credentials
  paths all point into it (the AWS files are empty);
- environment: only `ENV_ALLOWED` is passed from the caller (locale and terminal basics, no
  AWS_*, no proxies, no tokens); the rest is set here (`kernel_env`);
- network: on Linux the kernel runs in a new network namespace (`unshare -n` as root,
  `unshare -rn` otherwise: a user namespace too), where there is no interface but a loopback
  that is down: nothing, not even 127.0.0.1, is reachable. The kernel is reached over Unix
  sockets (jupyter_client `transport="ipc"`, connection files in the scratch folder), which do
  cross a network namespace. The fake AWS is in-process moto inside the kernel: no socket.
  When `unshare` cannot make a namespace (not Linux, a container without the privilege), the
  kernel still runs, and the isolation statement says the network was NOT isolated and why;
- memory: RLIMIT_AS set by the kernel's launcher (`kernel/launch.py`) before ipykernel starts;
- time: a limit per cell and per notebook, enforced by the driver (`execute.py`), which
  interrupts, then kills, the kernel: never the grader.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

#: Variables passed from the caller's environment to the kernel, when set. Nothing else is.
ENV_ALLOWED = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "TERM")
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass(frozen=True)
class Limits:
    """The sandbox's bounds (seconds, bytes). `memory_bytes` None: no memory limit."""

    cell_timeout_s: float = 180.0
    notebook_timeout_s: float = 600.0
    memory_bytes: int | None = 4 * 1024**3
    isolate_network: bool = True  # False only for the benchmark's baseline
    output_bytes: int = 16 * 1024**2  # all of a notebook's outputs, as the grader's process receives them


@dataclass
class Isolation:
    """Which isolation was in force for one run: the statement evidence and the README quote."""

    network_namespace: bool
    network_note: str
    memory_limit_bytes: int | None
    cell_timeout_s: float
    notebook_timeout_s: float
    env_passed: list[str] = field(default_factory=list)
    home: str = ""
    transport: str = "ipc"
    hidden: list[str] = field(default_factory=list)  # the caller's credential paths made empty
    not_hidden: list[dict] = field(default_factory=list)

    def statement(self) -> str:
        net = ("no network (Linux network namespace: not even 127.0.0.1 is reachable)" if self.network_namespace
               else f"NETWORK NOT ISOLATED ({self.network_note})")
        mem = (f"memory limit {self.memory_limit_bytes / 1024**3:.1f} GiB (RLIMIT_AS)" if self.memory_limit_bytes
               else "no memory limit")
        return (f"{net}; {mem}; time limits {self.cell_timeout_s:g} s per cell, {self.notebook_timeout_s:g} s per "
                f"notebook; environment scrubbed (only {', '.join(self.env_passed) or 'no variable'} passed from the "
                f"caller; no AWS credentials, profile or config; HOME in the scratch folder); kernel reached over "
                f"{'Unix sockets' if self.transport == 'ipc' else 'TCP on localhost'}; fake AWS in-process (moto); "
                + (f"the caller's credential files hidden ({len(self.hidden)} paths, mount namespace)"
                   if self.hidden and not self.not_hidden else
                   f"{len(self.not_hidden)} of the caller's credential paths NOT hidden" if self.not_hidden else
                   "no caller credential files found to hide")
                + "; other files readable by this user remain readable (no chroot)")

    def as_dict(self) -> dict:
        return {**asdict(self), "statement": self.statement()}


@cache
def network_namespace() -> tuple[list[str], str]:
    """(command prefix that runs a program without network, note); ([], reason) when impossible."""
    if not sys.platform.startswith("linux"):
        return [], f"network namespaces need Linux (this is {sys.platform})"
    unshare = shutil.which("unshare")
    if unshare is None:
        return [], "the unshare command (util-linux) is not installed"
    base = [unshare, "-n"] if os.geteuid() == 0 else [unshare, "-r", "-n"]
    probe = "import socket\ns = socket.socket()\ntry:\n    s.connect(('127.0.0.1', 9))\nexcept OSError as e:\n    print(e.errno)"
    reason = ""
    for prefix in ([*base, "-m"], base):  # with a mount namespace (to hide files) if possible
        try:
            done = subprocess.run([*prefix, "--", sys.executable, "-c", probe], capture_output=True, text=True,
                                  timeout=20)
        except (OSError, subprocess.TimeoutExpired) as exc:
            reason = f"{' '.join(prefix)} could not run: {exc}"
            continue
        if done.returncode != 0:
            reason = f"{' '.join(prefix)} failed: {(done.stderr.strip().splitlines() or ['no message'])[-1]}"
            continue
        if done.stdout.strip() != "101":  # ENETUNREACH: no route, not even loopback
            return [], f"{' '.join(prefix)} ran but 127.0.0.1 was reachable or gave errno {done.stdout.strip()!r}"
        return [*prefix, "--"], f"{' '.join(prefix)} (probed: connecting to 127.0.0.1 gives 'Network is unreachable')"
    return [], reason


#: The caller's credential files and folders (below HOME) hidden from the kernel when it has a
#: mount namespace, plus the files AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE name.
HIDDEN_BELOW_HOME = (".aws", ".ssh", ".config", ".netrc", ".git-credentials", ".docker", ".kube", ".azure", ".gnupg",
                     ".boto", ".pypirc", ".s3cfg", ".jupyter", ".ipython", ".local/share/jupyter")


def paths_to_hide(keep: list[Path]) -> list[str]:
    """Existing credential paths of the caller, except any holding something the kernel needs."""
    homes = {Path(os.path.expanduser("~"))}
    if os.environ.get("HOME"):
        homes.add(Path(os.environ["HOME"]))
    candidates = [h / name for h in homes for name in HIDDEN_BELOW_HOME]
    candidates += [Path(os.environ[v]) for v in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE") if os.environ.get(v)]
    out = []
    for path in candidates:
        try:
            real = path.resolve()
        except OSError:
            continue
        if not real.exists() or any(k.resolve().is_relative_to(real) for k in keep) or str(real) in out:
            continue
        out.append(str(real))
    return out


def kernel_env(scratch: Path, home: Path, config_path: Path, region: str, seed: int) -> tuple[dict[str, str], list[str]]:
    """The kernel's whole environment, and the caller's variables that were passed into it."""
    passed = [k for k in ENV_ALLOWED if k in os.environ]
    env = {k: os.environ[k] for k in passed}
    aws = home / ".aws"
    env.update({
        "PATH": f"{Path(sys.executable).parent}:{SYSTEM_PATH}",
        "HOME": str(home), "USER": "student", "TMPDIR": str(scratch / "tmp"),
        "IPYTHONDIR": str(home / ".ipython"), "MPLCONFIGDIR": str(home / ".matplotlib"),
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"), "JUPYTER_DATA_DIR": str(home / ".jupyter-data"),
        "AWS_CONFIG_FILE": str(aws / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_DEFAULT_REGION": region, "AWS_REGION": region,
        "AWS_STS_REGIONAL_ENDPOINTS": "regional",
        "SAGEMAKER_SUPPRESS_V2_WARNING": "1", "SAGEMAKER_USER_CONFIG_OVERRIDE": str(home / "sagemaker-config.yaml"),
        "GRADER_SANDBOX_CONFIG": str(config_path), "GRADER_SEED": str(seed),
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    })
    return env, passed


_TELEMETRY_OFF = "SchemaVersion: '1.0'\nSageMaker:\n  PythonSDK:\n    Modules:\n      TelemetryOptOut: true\n"


def prepare_home(home: Path) -> None:
    """The scratch HOME: empty AWS files, the SDK's telemetry opt-out, the tool folders."""
    for sub in (".aws", ".ipython", ".matplotlib", ".jupyter", ".jupyter-data"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    (home / ".aws" / "config").write_text("")
    (home / ".aws" / "credentials").write_text("")
    (home / "sagemaker-config.yaml").write_text(_TELEMETRY_OFF)


def kernel_spec(kernels_dir: Path, launcher: Path, limits: Limits, keep: list[Path]) -> tuple[str, Isolation]:
    """Write the sandbox's kernel spec; returns its name and the isolation it gives (the files
    hidden are known once the kernel started: `hidden_files`)."""
    prefix, note = network_namespace() if limits.isolate_network else ([], "not asked for (baseline run)")
    hide_file = kernels_dir.parent / "hide.json"
    hide_file.write_text(json.dumps({"paths": paths_to_hide(keep), "mount_namespace": "-m" in prefix}))
    argv = [*prefix, sys.executable, str(launcher), str(limits.memory_bytes or 0), str(hide_file),
            "-f", "{connection_file}"]
    spec_dir = kernels_dir / "grader-sandbox"
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "grader sandbox",
                                                      "language": "python", "env": {}}))
    isolation = Isolation(network_namespace=bool(prefix), network_note=note, memory_limit_bytes=limits.memory_bytes,
                          cell_timeout_s=limits.cell_timeout_s, notebook_timeout_s=limits.notebook_timeout_s)
    return "grader-sandbox", isolation
