"""The sandboxed kernel's launcher: `python launch.py MEMORY_BYTES HIDE_JSON -f CONNECTION_FILE`.

Runs first inside the new namespaces, then becomes ipykernel (same process):
1. hides the caller's credential files and folders listed in HIDE_JSON (an empty tmpfs over a
   folder, /dev/null bound over a file), when the kernel has its own mount namespace; what was
   hidden (or could not be) is written next to HIDE_JSON as `hidden.json`;
2. sets RLIMIT_AS (address space; 0 = no limit) and no core dumps;
3. on Linux, asks for SIGKILL when the grader's thread that started it ends (PR_SET_PDEATHSIG): a
   grading worker killed past its time limit takes its kernels with it at once, even one stuck
   in a loop (ipykernel's own parent poller would need the kernel's threads to run);
4. runs ipykernel, so the limits hold for the kernel and everything it starts.
"""

import ctypes
import json
import os
import resource
import runpy
import sys

MS_BIND = 4096
PR_SET_PDEATHSIG = 1
SIGKILL = 9


def hide(paths, own_namespace):
    done, failed = [], []
    if not own_namespace:
        return done, [{"path": p, "why": "no mount namespace"} for p in paths]
    libc = ctypes.CDLL(None, use_errno=True)
    for path in paths:
        if os.path.isdir(path):
            rc = libc.mount(b"tmpfs", path.encode(), b"tmpfs", 0, b"size=64k,mode=700")
        else:
            rc = libc.mount(b"/dev/null", path.encode(), None, MS_BIND, None)
        if rc == 0:
            done.append(path)
        else:
            failed.append({"path": path, "why": os.strerror(ctypes.get_errno())})
    return done, failed


def die_with_parent():
    if not sys.platform.startswith("linux"):
        return
    parent = int(os.environ.get("JPY_PARENT_PID") or 0)
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0)
    if parent and os.getppid() != parent:  # it ended before the request took effect
        os._exit(1)


if __name__ == "__main__":
    die_with_parent()
    limit, hide_file = int(sys.argv[1]), sys.argv[2]
    with open(hide_file) as fh:
        spec = json.load(fh)
    done, failed = hide(spec["paths"], spec["mount_namespace"])
    with open(os.path.join(os.path.dirname(hide_file), "hidden.json"), "w") as fh:
        json.dump({"hidden": done, "not_hidden": failed}, fh)
    if limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.argv = ["ipykernel_launcher", *sys.argv[3:]]
    sys.path[:] = [p for p in sys.path if p != sys.path[0]]  # not the launcher's folder
    runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
