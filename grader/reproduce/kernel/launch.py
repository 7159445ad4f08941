"""The sandboxed kernel's launcher: `python launch.py MEMORY_BYTES -f CONNECTION_FILE`.

Sets RLIMIT_AS (address space; 0 = no limit) and no core dumps, then runs ipykernel in this
same process, so the limit holds for the kernel and everything it starts.
"""

import resource
import runpy
import sys

if __name__ == "__main__":
    limit = int(sys.argv[1])
    if limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.argv = ["ipykernel_launcher", *sys.argv[2:]]
    sys.path[:] = [p for p in sys.path if p != sys.path[0]]  # not the launcher's folder
    runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
