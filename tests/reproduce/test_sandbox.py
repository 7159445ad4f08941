"""What crosses the sandbox: the caller's credentials do not, the network does not, and time
and memory are bounded (real kernels in the sandbox; Linux and root in CI)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grader.reproduce import Limits, RunStatus, execute_notebook
from grader.reproduce.command import verdict_for
from grader.reproduce.sandbox import network_namespace

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="network namespaces are Linux-only")

CREDIT = "credit-risk-classification.ipynb"
SECRETS = {"AWS_ACCESS_KEY_ID": "AKIACALLERKEY0000001", "AWS_SECRET_ACCESS_KEY": "callerSECRETvalue/abc123",
           "AWS_SESSION_TOKEN": "callerSESSIONtoken987", "GITHUB_TOKEN": "ghp_callerGITHUBtoken42",
           "AWS_PROFILE": "ta-profile-private"}
FILE_SECRETS = ("AKIAFILEKEY000000002", "fileSECRETvalue/zzz")


def _notebook(folder: Path, *sources: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CREDIT
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), path)
    return path


def _outputs(path: str) -> list[list[dict]]:
    return [c.outputs for c in nbformat.read(path, as_version=4).cells]


def test_the_network_namespace_probe_works_here():
    prefix, note = network_namespace()
    assert prefix and prefix[0].endswith("unshare"), note


def test_no_caller_credential_reaches_any_output_and_the_network_is_unreachable(tmp_path, monkeypatch):
    home = tmp_path / "caller-home"
    (home / ".aws").mkdir(parents=True)
    creds = home / ".aws" / "credentials"
    creds.write_text(f"[default]\naws_access_key_id = {FILE_SECRETS[0]}\naws_secret_access_key = {FILE_SECRETS[1]}\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("AWS_SHARED_CREDENTIALS_FILE", raising=False)
    monkeypatch.delenv("AWS_CONFIG_FILE", raising=False)
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    path = _notebook(
        tmp_path / "sub",
        "import os\nprint(repr(open(os.path.expanduser('~/.aws/credentials')).read()))",
        f"print(open({str(creds)!r}).read())",  # the caller's file, by absolute path
        "import os\nprint(dict(os.environ))",
        "import boto3\nc = boto3.Session().get_credentials()\nprint(c.access_key, c.secret_key, c.token)",
        f"import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=5)\nprint('connected')",
        "print('still running')",
    )
    run = execute_notebook(path, path.parent, tmp_path / "out", "credit", seeds=1)
    text = Path(run.executed_path).read_text() + json.dumps(run.model_dump(mode="json"))
    leaked = [s for s in (*SECRETS.values(), *FILE_SECRETS) if s in text]
    assert leaked == []
    outs = _outputs(run.executed_path)
    assert outs[0][0]["text"].strip() == "''"  # the kernel's HOME has empty AWS files
    assert outs[1][0]["output_type"] == "error"  # hidden: an empty tmpfs over the caller's ~/.aws
    assert outs[2][0]["output_type"] == "stream" and "AWS_CONFIG_FILE" in outs[2][0]["text"]
    assert outs[4][0]["output_type"] == "error" and "Network is unreachable" in outs[4][0]["evalue"]
    assert outs[5][0]["text"] == "still running\n"
    with pytest.raises(TimeoutError):
        listener.accept()  # nobody ever connected
    listener.close()
    assert run.isolation["network_namespace"] is True and str(creds.parent) in run.isolation["hidden"]
    assert "no network" in run.isolation["statement"]


def test_an_endless_loop_and_an_unbounded_allocation_end_as_errors_naming_the_limit(tmp_path):
    path = _notebook(
        tmp_path / "sub",
        "print('before')",
        "while True:\n    pass",
        "print('after the loop')",
        "import numpy as np\nblocks = []\nwhile True:\n    blocks.append(np.empty(256 * 1024 * 1024, dtype=np.uint8))",
        "del blocks\nprint('after the allocation')",
    )
    limits = Limits(cell_timeout_s=3, notebook_timeout_s=120, memory_bytes=2 * 1024**3)
    started = time.monotonic()
    run = execute_notebook(path, path.parent, tmp_path / "out", "credit", limits=limits, seeds=1)
    assert time.monotonic() - started < 60
    errors = {e.cell: e.ename for e in run.cell_errors}
    assert errors == {1: "SandboxTimeout", 3: "MemoryError"}
    assert run.status in (RunStatus.MEMORY_LIMIT, RunStatus.TIMEOUT) and run.limit
    outs = _outputs(run.executed_path)
    assert any("per-cell time limit of 3 s" in o.get("evalue", "") for o in outs[1])
    assert outs[2][0]["text"] == "after the loop\n" and outs[4][0]["text"] == "after the allocation\n"
    verdict = verdict_for(run)
    assert verdict.status == "error" and ("memory limit of 2.0 GiB" in verdict.message
                                          or "time limit" in verdict.message)


def test_the_notebook_wall_limit_and_a_dying_kernel_are_errors_too(tmp_path):
    path = _notebook(tmp_path / "a", "print('one')", "import time\ntime.sleep(60)", "print('never')")
    run = execute_notebook(path, path.parent, tmp_path / "out-a", "credit", seeds=1,
                           limits=Limits(cell_timeout_s=30, notebook_timeout_s=3))
    assert run.status is RunStatus.TIMEOUT and run.limit == "per-notebook time limit of 3 s"
    assert run.cells_run == 1 and verdict_for(run).status == "error"
    path = _notebook(tmp_path / "b", "print('one')", "import os\nos._exit(3)", "print('never')")
    run = execute_notebook(path, path.parent, tmp_path / "out-b", "credit", seeds=1)
    assert run.status is RunStatus.KERNEL_DIED and "cell 2" in run.message
    assert _outputs(run.executed_path)[0][0]["text"] == "one\n"
    assert verdict_for(run).status == "error"


def _gone(pid: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":  # dead, not yet reaped by its (dead) parent's reaper
            return True
        time.sleep(0.1)
    return False


def test_no_kernel_outlives_its_run(tmp_path):
    path = _notebook(tmp_path / "sub", "import os\nprint(os.getpid())")
    run = execute_notebook(path, path.parent, tmp_path / "out", "credit", seeds=1)
    assert run.status is RunStatus.COMPLETED, run.message
    pid = int(_outputs(run.executed_path)[0][0]["text"])
    assert _gone(pid, 5), f"kernel {pid} still running after its run"


def test_a_killed_grader_takes_its_kernel_with_it_even_one_stuck_in_a_loop(tmp_path):
    """A worker killed past its time limit (SIGKILL: no clean-up of its own) while a student's
    cell spins in C: the kernel dies with it (its launcher asked for PR_SET_PDEATHSIG)."""
    pid_file = tmp_path / "kernel.pid"
    path = _notebook(tmp_path / "sub", f"import os\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))",
                     "sum(range(10**13))  # hours in C, holding the GIL: ipykernel's parent poller cannot run")
    code = ("import sys\nfrom pathlib import Path\nfrom grader.reproduce import execute_notebook\n"
            f"p = Path({str(path)!r})\nexecute_notebook(p, p.parent, Path({str(tmp_path / 'out')!r}), 'credit', seeds=1)")
    grader = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 90
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline and grader.poll() is None
            time.sleep(0.1)
        kernel = int(pid_file.read_text())
        time.sleep(0.5)  # into the loop
        assert not _gone(kernel, 0.2)
    finally:
        grader.kill()
        grader.wait()
    assert _gone(kernel, 3), f"kernel {kernel} outlived the grader that started it"


def test_a_notebook_printing_without_end_is_stopped_at_the_output_limit(tmp_path):
    """A loop printing 64 MB (in 1 MB lines) against a 4 MB output limit: the run stops at the
    limit as an error naming it, the executed copy holds only what was kept, the next cell does
    not run; a notebook printing less than the limit is not affected."""
    path = _notebook(tmp_path / "sub", "print('before')",
                     "line = 'x' * (1024 * 1024)\nfor _ in range(64):\n    print(line)", "print('never')")
    limits = Limits(cell_timeout_s=60, notebook_timeout_s=120, output_bytes=4 * 1024**2)
    run = execute_notebook(path, path.parent, tmp_path / "out", "credit", limits=limits, seeds=1)
    assert run.status is RunStatus.OUTPUT_LIMIT and run.limit == "output limit of 4 MB", run.message
    assert "cell 2" in run.message and run.cells_run == 1
    outs = _outputs(run.executed_path)
    assert outs[0][0]["text"] == "before\n" and outs[2] == []
    kept = sum(len(o.get("text", "")) for o in outs[1])
    assert 0 < kept <= 4 * 1024**2
    assert outs[1][-1]["ename"] == "SandboxOutputLimit"
    assert Path(run.executed_path).stat().st_size < 6 * 1024**2
    verdict = verdict_for(run)
    assert verdict.status == "error" and "output limit of 4 MB" in verdict.message

    small = _notebook(tmp_path / "small", "print('x' * 1000)", "print('after')")
    run = execute_notebook(small, small.parent, tmp_path / "out-small", "credit", limits=limits, seeds=1)
    assert run.status is RunStatus.COMPLETED and _outputs(run.executed_path)[1][0]["text"] == "after\n"


def test_display_updates_and_a_flood_that_then_times_out_count_against_the_output_limit(tmp_path):
    """Updating one display over and over (nbclient rewrites the output in place, past the usual
    output path) counts too; so does a cell that floods its output and then runs out of time:
    both stop as output-limit naming their cell, the executed copy stays small."""
    limits = Limits(cell_timeout_s=4, notebook_timeout_s=120, output_bytes=2 * 1024**2)
    path = _notebook(tmp_path / "update", "from IPython.display import display, update_display\n"
                     "h = display('start', display_id=True)",
                     "for i in range(40):\n    h.update('y' * (512 * 1024) + str(i))", "print('never')")
    run = execute_notebook(path, path.parent, tmp_path / "out-update", "credit", limits=limits, seeds=1)
    assert run.status is RunStatus.OUTPUT_LIMIT and "cell 2" in run.message, run.message
    assert Path(run.executed_path).stat().st_size < 3 * 1024**2

    path = _notebook(tmp_path / "flood", "print('before')",
                     "import time\nfor _ in range(8):\n    print('z' * (1024 * 1024))\ntime.sleep(60)", "print('never')")
    run = execute_notebook(path, path.parent, tmp_path / "out-flood", "credit", limits=limits, seeds=1)
    assert run.status is RunStatus.OUTPUT_LIMIT and "cell 2" in run.message, run.message
    assert Path(run.executed_path).stat().st_size < 3 * 1024**2
