"""Shared by the benchmarks (not production code, not tests).

- `MotoClass`: a moto server in its own process holding a few synthetic student accounts
  (built with `grader.demo.scenario`, the demo's mistakes), and rosters whose rows reuse them.
  Why a separate process: moto and the grader are both CPU-bound Python; in one process they
  would share one GIL and one core. In two, the fake AWS gets its own core, as real AWS has
  its own machines. Its CPU time is measured (Linux /proc) to show when moto is the bottleneck.
- `latency_access(s)`: an `access_factory` for `grader.batch.run_batch` whose every HTTP request
  first sleeps `s` seconds: a botocore `before-send` hook on each client, i.e. the network round
  trip of real AWS. It also answers SageMaker Studio's list calls (which moto does not implement:
  it returns HTTP 500 and botocore backs off for up to seconds) with the empty list real AWS gives.
"""

from __future__ import annotations

import io
import json
import os
import re
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REGIONS = ["us-east-2", "ca-central-1", "us-west-2"]  # the regions the synthetic accounts use
FAKE_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def fake_aws_env() -> None:
    """Fake credentials, no profile or endpoint from the environment (the benchmark's own process)."""
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(var, None)
    os.environ.update(FAKE_ENV)
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")


class MotoClass:
    """`python benchmarks/_harness.py serve N [P K]`: moto servers holding N built accounts.

    With `processes` P > 1, P moto servers, server K holding the accounts i with i mod P == K
    (built at once, one process each): AWS answers each account from machines of its own, not
    from one single-threaded process, and one moto process, GIL-bound, was the wall of a class
    benchmark on two cores. Such a fake AWS is reached through a `LatencyProxy`, which sends each
    request to the server holding its account (`routes`); `url` is then None."""

    def __init__(self, accounts: int = 8, processes: int = 1):
        fake_aws_env()
        processes = max(1, min(processes, accounts))
        self.procs = [
            subprocess.Popen(
                [sys.executable, str(Path(__file__)), "serve", str(accounts), str(processes), str(k)],
                stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True, cwd=ROOT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            for k in range(processes)
        ]
        self.proc = self.procs[0]
        infos = []
        for proc in self.procs:
            line = proc.stdout.readline()
            if not line:
                self.close()
                raise RuntimeError("a moto server process did not start")
            infos.append(json.loads(line))
        self.urls: list[str] = [info["url"] for info in infos]
        self.url: str | None = self.urls[0] if processes == 1 else None
        built = sorted((a for info in infos for a in info["accounts"]), key=lambda a: a["index"])
        self.accounts: list[dict] = built
        self.build_s: float = max(info["build_s"] for info in infos)
        self.routes: dict = {
            "default": self.urls[0],
            "accounts": {a["account"]: a["url"] for a in built},
            "buckets": {b: a["url"] for a in built for b in a["buckets"]},
        }

    def roster(self, path: Path, students: int, *, notebooks: bool = True) -> Path:
        """A roster of `students` rows; row i grades account i mod len(accounts) (with that
        account's executed notebooks when `notebooks`). Grading is read-only, so students
        sharing an account read exactly what they would read alone."""
        lines = ["student_id,name,role_arn,external_id,notebooks"]
        for i in range(students):
            k = i % len(self.accounts)
            folder = ""
            if notebooks:
                folder = f"notebooks/account{k}"
                if not (path.parent / folder).is_dir():
                    write_notebooks(path.parent / folder, k)
            lines.append(f"b{i + 1:04d},Student {i + 1},{self.accounts[k]['role_arn']},bench-{i + 1:04d},{folder}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def cpu_s(self) -> float | None:
        """CPU seconds the moto server processes have used so far (None where /proc is missing)."""
        found = [proc_cpu_s(p.pid) for p in self.procs]
        return None if None in found else sum(found)

    def close(self) -> None:
        for proc in self.procs:
            _end(proc)

    def __enter__(self) -> MotoClass:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _end(proc: subprocess.Popen) -> None:
    """Stop a harness process (its stdin closed is its signal to end)."""
    if proc.poll() is None:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class _Raw:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_kw):
        yield self.body

    def read(self, *_a, **_kw):
        return self.body


STUDIO_STUBS = {"ListApps": {"Apps": []}, "ListUserProfiles": {"UserProfiles": []}, "ListSpaces": {"Spaces": []}}


def _studio_stub(request):
    target = request.headers.get("X-Amz-Target", b"")
    target = target.decode() if isinstance(target, bytes) else target
    operation = target.rpartition(".")[2]
    if operation not in STUDIO_STUBS:
        return None
    from botocore.awsrequest import AWSResponse

    body = json.dumps(STUDIO_STUBS[operation]).encode()
    return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.1"}, _Raw(body))


def latency_access(latency_s: float):
    """An `access_factory` (AwsTarget -> AwsAccess) injecting `latency_s` before every request."""
    from grader.aws.session import AwsAccess

    def before_send(request, **_kwargs):
        if latency_s > 0:
            time.sleep(latency_s)
        return _studio_stub(request)

    class LatencyAccess(AwsAccess):
        def _new_client(self, *args, **kwargs):
            client = super()._new_client(*args, **kwargs)
            client.meta.events.register_first("before-send", before_send)
            return client

    return LatencyAccess


class LatencyProxy:
    """`python benchmarks/_harness.py proxy ROUTES MS`: an HTTP proxy on 127.0.0.1 in its own
    process that waits MS milliseconds, then forwards each request to a moto server (the network
    round trip of real AWS, outside the grader's process, so the grader's CPU is only its own).
    It answers SageMaker Studio's list calls, which moto lacks, with the empty lists AWS gives.
    Bounded: at most `PROXY_THREADS` requests in flight; loopback only.

    `upstream`: a moto server's URL, or a `MotoClass`, whose requests go to the server holding
    their account (`Router`)."""

    def __init__(self, upstream: str | MotoClass, latency_ms: float):
        routes = upstream.routes if isinstance(upstream, MotoClass) else {"default": upstream}
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__)), "proxy", json.dumps(routes), str(latency_ms)],
                                     stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True, cwd=ROOT)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the latency proxy did not start")
        self.url: str = json.loads(line)["url"]

    def cpu_s(self) -> float | None:
        return proc_cpu_s(self.proc.pid)

    def misses(self) -> int:
        """Requests so far the proxy could not place on the server holding their account (Router)."""
        import urllib.request

        with urllib.request.urlopen(f"{self.url}/__router__", timeout=10) as resp:
            return int(json.loads(resp.read())["misses"])

    def close(self) -> None:
        _end(self.proc)

    def __enter__(self) -> LatencyProxy:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


PROXY_THREADS = 128


def proc_cpu_s(pid: int, children: bool = False) -> float | None:
    """CPU seconds (user + system) process `pid` has used (Linux /proc; None elsewhere); with
    `children`, also that of its children it has waited for."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if children else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def forkserver_cpu_s() -> float:
    """CPU seconds of the worker processes' fork server (grader.workers), its ended workers
    included: they are its children, not this process's, so RUSAGE_CHILDREN misses them."""
    from multiprocessing import forkserver

    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
    return (proc_cpu_s(pid, children=True) or 0.0) if pid else 0.0


def stop_forkserver() -> None:
    """End the fork server, so that the next batch starts (and pays for) its own, as a
    `grader batch` command does once per run."""
    from multiprocessing import forkserver

    forkserver._forkserver._stop()


class Router:
    """Which moto server a request goes to, when the accounts are spread over several
    (`MotoClass(processes=P)`): a signed request by its access key (the caller's keys, unknown
    here, go to the default server; a key moto gave out in an AssumeRole answer, to the server
    that gave it); an AssumeRole by the account in its RoleArn; an unsigned request (the anonymous
    S3 reads) by its bucket, path-style or virtual-hosted. Keys are learnt from the answers.
    A request it cannot place (a key neither the caller's nor given out, a bucket it does not
    know) goes to the default server and is counted in `misses`: `GET /__router__` on the proxy
    answers them, and `LatencyProxy.misses()` reads them, so a benchmark whose fake AWS answered
    from the wrong account fails instead of printing figures for other work."""

    KEY = re.compile(r"Credential=([^/,\s]+)/")
    ROLE_ACCOUNT = re.compile(rb"RoleArn=arn%3Aaws%3Aiam%3A%3A([0-9]{12})%3A")
    ANSWERED_KEY = re.compile(rb"<AccessKeyId>([A-Z0-9]+)</AccessKeyId>")

    def __init__(self, routes: dict):
        self.default: str = routes["default"]
        self.accounts: dict[str, str] = routes.get("accounts", {})
        self.buckets: dict[str, str] = routes.get("buckets", {})
        self.keys: dict[str, str] = {FAKE_ENV["AWS_ACCESS_KEY_ID"]: self.default}
        self.misses = 0

    def upstream(self, headers, path: str, body: bytes) -> str:
        found = self.KEY.search(headers.get("Authorization") or "")
        if found:
            role = self.ROLE_ACCOUNT.search(body) if b"Action=AssumeRole" in body else None
            if role and role.group(1).decode() in self.accounts:
                return self.accounts[role.group(1).decode()]
            if found.group(1) in self.keys:
                return self.keys[found.group(1)]
        else:
            host = (headers.get("Host") or "").split(":")[0]
            bucket = host.split(".s3")[0] if ".s3" in host else path.lstrip("/").split("/")[0].split("?")[0]
            if bucket in self.buckets:
                return self.buckets[bucket]
        self.misses += 1
        return self.default

    def learn(self, upstream: str, body: bytes, answer: bytes) -> None:
        if b"Action=AssumeRole" in body:
            for key in self.ANSWERED_KEY.findall(answer):
                self.keys[key.decode()] = upstream


def _proxy(routes: str, latency_ms: float) -> None:
    import http.client
    import http.server
    from urllib.parse import urlparse

    router = Router(json.loads(routes) if routes.startswith("{") else {"default": routes})
    gate = threading.BoundedSemaphore(PROXY_THREADS)
    local = threading.local()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body go out in two writes: without TCP_NODELAY the body waited for the
        # client's delayed ACK, 40 ms more per request than --latency-ms says
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def _forward(self):
            if self.path == "/__router__":
                self._reply(200, [("Content-Type", "application/json")],
                            json.dumps({"misses": router.misses}).encode())
                return
            with gate:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(latency_ms / 1000)
                operation = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
                if operation in STUDIO_STUBS:
                    self._reply(200, [("Content-Type", "application/x-amz-json-1.1")],
                                json.dumps(STUDIO_STUBS[operation]).encode())
                    return
                upstream = router.upstream(self.headers, self.path, body)
                conns = local.__dict__.setdefault("conns", {})
                for attempt in (0, 1):
                    if upstream not in conns:
                        target = urlparse(upstream)
                        conns[upstream] = http.client.HTTPConnection(target.hostname, target.port)
                    conn = conns[upstream]
                    try:
                        conn.request(self.command, self.path, body=body,
                                     headers={k: v for k, v in self.headers.items() if k.lower() != "connection"})
                        resp = conn.getresponse()
                        data = resp.read()
                        break
                    except (OSError, http.client.HTTPException):
                        conn.close()
                        del conns[upstream]
                        if attempt:
                            raise
                router.learn(upstream, body, data)
                headers = [(k, v) for k, v in resp.getheaders()
                           if k.lower() not in ("connection", "transfer-encoding", "content-length")]
                self._reply(resp.status, headers, data)

        def _reply(self, status, headers, data):
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _forward

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"url": f"http://127.0.0.1:{server.server_address[1]}"}), flush=True)
    sys.stdin.read()
    server.shutdown()


def quiet_progress():
    from grader.progress import Progress

    return Progress(io.StringIO())


def peak_rss_mb() -> float:
    """This process's peak resident memory (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def write_notebooks(folder: Path, account_index: int = 0) -> Path:
    """A complete student's two executed notebooks (the demo's factory), naming the bucket and
    training jobs of benchmark account `account_index`."""
    from grader.demo.notebook_factory import demo_notebook
    from grader.demo.scenario import Scenario

    sc = Scenario(stamp=f"bench-{account_index}")
    names = {"bucket": sc.private_name, "rainfall_job": sc.job_name("rainfall"), "credit_job": sc.job_name("credit")}
    folder.mkdir(parents=True, exist_ok=True)
    for kind, name in (("rainfall", "rainfall_forecast.ipynb"), ("credit", "credit-risk-classification.ipynb")):
        (folder / name).write_text(demo_notebook(kind, **names), encoding="utf-8")
    return folder


def machine() -> str:
    import platform

    return f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, {platform.system()}"


def _serve(accounts: int, processes: int = 1, shard: int = 0) -> None:
    """Build the accounts i < `accounts` with i mod `processes` == `shard` in a moto server, print
    them (with the buckets each holds, for the proxy's routes) and serve until stdin closes."""
    from moto.s3.models import s3_backends

    from grader.demo.moto_env import moto_server
    from grader.demo.run import DEMO_CLASS
    from grader.demo.scenario import Scenario, build_student

    started = time.perf_counter()
    with moto_server() as url:
        out = []
        for i in range(shard, accounts, processes):
            spec = DEMO_CLASS[i % len(DEMO_CLASS)]
            built = build_student(url, str(418520000001 + i), Scenario(stamp=f"bench-{i}", **spec.scenario))
            buckets = sorted(s3_backends[built.account_id]["aws"].buckets)
            out.append({"index": i, "account": built.account_id, "role_arn": built.role_arn, "url": url,
                        "buckets": buckets})
        print(json.dumps({"url": url, "accounts": out, "build_s": round(time.perf_counter() - started, 2)}),
              flush=True)
        done = threading.Event()
        threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
        done.wait()


if __name__ == "__main__":
    if len(sys.argv) in (3, 5) and sys.argv[1] == "serve":
        fake_aws_env()
        _serve(*(int(a) for a in sys.argv[2:]))
    elif len(sys.argv) == 4 and sys.argv[1] == "proxy":
        _proxy(sys.argv[2], float(sys.argv[3]))
