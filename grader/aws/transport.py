"""A lean HTTP/1.1 transport for botocore's direct connections: the grader's requests sent and
read over sockets of our own instead of urllib3 over `http.client`, whose pool, retry, timeout
and header objects and e-mail parser took about a quarter of a student's CPU (a sampling
profile of `benchmarks/bench_cpu.py`) for a few header lines each way and a body by its length.

`LeanHTTPSession` has botocore's HTTP-session interface (`send(AWSPreparedRequest) ->
AWSResponse`, `close()`); `grader.aws.sharing` gives it to the grader's clients when
`lean_settings` accepts their settings: no proxy for the endpoint, no client certificate,
verification on (or plain HTTP, a moto server). Anything else, a body that is not bytes or
text, a request expecting `100-continue` or streaming its body, and every request under
`GRADER_HTTP=urllib3`, goes to botocore's own urllib3 session.

As urllib3 under botocore: keep-alive connections pooled per scheme, host and port (at most
`max_pool_connections` idle a host, `MAX_IDLE` in all; an idle one the server closed is dropped
before reuse, and a request on a reused connection closed before any answer is sent once more
on a new one); TLS with botocore's CA bundle and the host name checked; the connect and read
timeouts, and the request context's read timeout; `Host` as botocore signs it (no default port);
`Accept-Encoding: identity`. A body is read whole before `send` returns (Content-Length, chunked,
or to the end), at most `MAX_BODY` bytes: the grader reads objects by a bounded Range. Failures
are botocore's exceptions, as its urllib3 session raises them, so its retries and the grader's
messages apply: EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, SSLError,
ConnectionClosedError; a header line past `MAX_LINE` bytes, more than `MAX_HEADERS` lines, or a
malformed answer is HTTPClientError.
"""

from __future__ import annotations

import io
import os
import select
import socket
import ssl
import threading
import weakref
from typing import Any
from urllib.parse import urlsplit

import botocore.httpsession
from botocore.awsrequest import AWSResponse
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ReadTimeoutError,
    SSLError,
)

MAX_BODY = 64 * 1024**2
MAX_IDLE = 512  # idle connections kept, all hosts together
MAX_LINE = 65536
MAX_HEADERS = 100
DEFAULT_PORTS = {"http": 80, "https": 443}
_NO_BODY_STATUS = frozenset((204, 304))


def lean_settings(kwargs: dict[str, Any]) -> bool:
    """Whether a botocore HTTP session with these settings (create_endpoint's keyword
    arguments) may be a LeanHTTPSession: see the module doc. `proxies` is what botocore found
    for the endpoint, the environment's HTTP(S)_PROXY and NO_PROXY applied."""
    if os.environ.get("GRADER_HTTP", "").lower() == "urllib3":
        return False
    if kwargs.get("proxies") or kwargs.get("proxies_config") or kwargs.get("client_cert"):
        return False
    return kwargs.get("verify", True) is not False


class _Body(io.BytesIO):
    """A response body read whole: the raw stream botocore reads (`stream()` for `content`,
    `read(amt)` for a StreamingBody)."""

    def stream(self, amt: int = 2**16, decode_content: bool | None = None):
        while chunk := self.read(amt):
            yield chunk


class _Closed(Exception):
    """The connection ended before an answer began (reused: send once more on a new one)."""


class _Conn:
    __slots__ = ("sock", "rfile")

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.rfile = sock.makefile("rb")

    def dropped(self) -> bool:
        """An idle connection with something to read has been closed by the server (or sent what
        no request asked for): not reusable."""
        try:
            poller = select.poll()
            poller.register(self.sock, select.POLLIN | select.POLLERR | select.POLLHUP)
            return bool(poller.poll(0))
        except (OSError, ValueError):
            return True

    def close(self) -> None:
        for part in (self.rfile, self.sock):
            try:
                part.close()
            except OSError:
                pass


class LeanHTTPSession:
    """botocore's HTTP session for direct connections (see the module doc). Thread-safe: a
    connection is used by one request at a time; the idle pool is guarded by a lock."""

    def __init__(self, verify: bool | str = True, proxies=None, timeout=None, max_pool_connections: int = 10,
                 socket_options=None, client_cert=None, proxies_config=None):
        if timeout is None:
            timeout = botocore.httpsession.DEFAULT_TIMEOUT
        self._connect_timeout, self._read_timeout = (timeout, timeout) if isinstance(timeout, int | float) \
            else timeout
        self._verify = verify
        self._socket_options = list(socket_options or [])
        self._max_idle = max(1, max_pool_connections)
        self._idle: dict[tuple[str, str, int], list[_Conn]] = {}  # in order of use, the last used last
        self._count = 0  # connections idle, all hosts
        self._lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None
        self._fallback: botocore.httpsession.URLLib3Session | None = None
        self._settings = {"verify": verify, "timeout": timeout, "max_pool_connections": max_pool_connections,
                          "socket_options": socket_options}
        _SESSIONS.add(self)

    def _forget_connections(self) -> None:
        """In a forked child: the idle connections are the parent's too; the child opens its own."""
        self._lock = threading.Lock()
        self._idle = {}
        self._count = 0

    def close(self) -> None:
        """A no-op: shared by every client of the process, no one client may close the others'."""

    def send(self, request):
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        expects = request.headers.get("Expect", b"")
        streamed = request.headers.get("Transfer-Encoding", b"")
        if (body is not None and not isinstance(body, bytes | bytearray)) or expects or streamed:
            return self._urllib3().send(request)
        parts = urlsplit(request.url)
        scheme, host = parts.scheme, parts.hostname
        if scheme not in DEFAULT_PORTS or not host:
            raise HTTPClientError(error=f"cannot send a request to {request.url!r}")
        port = parts.port or DEFAULT_PORTS[scheme]
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = _head(request.method, target, _host_header(host, port, scheme), request.headers, body)
        context = getattr(request, "context", None) or {}
        read_timeout = context.get("read_timeout") or self._read_timeout
        key = (scheme, host, port)
        for attempt in (0, 1):
            conn, reused = self._get(key, request.url)
            try:
                conn.sock.settimeout(read_timeout)
                status, headers, content, keep = _exchange(conn, head, body, request.method)
            except (_Closed, ConnectionResetError, BrokenPipeError) as exc:
                conn.close()
                if reused and attempt == 0:  # the server had closed it: once more on a new one
                    continue
                raise ConnectionClosedError(error=exc, request=request, endpoint_url=request.url) from None
            except TimeoutError as exc:
                conn.close()
                raise ReadTimeoutError(endpoint_url=request.url, error=exc) from None
            except ssl.SSLError as exc:
                conn.close()
                raise SSLError(endpoint_url=request.url, error=exc) from None
            except OSError as exc:
                conn.close()
                raise ConnectionClosedError(error=exc, request=request, endpoint_url=request.url) from None
            except HTTPClientError:
                conn.close()
                raise
            except Exception as exc:  # as botocore's urllib3 session: any other failure to send or read
                conn.close()
                raise HTTPClientError(error=exc) from None
            if keep:
                self._put(key, conn)
            else:
                conn.close()
            return AWSResponse(request.url, status, headers, _Body(content))
        raise AssertionError("unreachable")  # pragma: no cover

    def _urllib3(self) -> botocore.httpsession.URLLib3Session:
        """botocore's own session, for the requests this one does not send (never closed)."""
        with self._lock:
            if self._fallback is None:
                self._fallback = botocore.httpsession.URLLib3Session(**self._settings)
            return self._fallback

    def _get(self, key: tuple[str, str, int], url: str) -> tuple[_Conn, bool]:
        while True:
            with self._lock:
                idle = self._idle.get(key)
                conn = idle.pop() if idle else None
                if conn is not None:
                    self._count -= 1
            if conn is None:
                return self._connect(key, url), False
            if not conn.dropped():
                return conn, True
            conn.close()

    def _put(self, key: tuple[str, str, int], conn: _Conn) -> None:
        """Keep `conn` idle for its host, within `max_pool_connections` a host and MAX_IDLE in
        all: past that, the connections idle longest, of the hosts used least recently, are
        closed (against AWS each student's buckets may be hosts of their own, never seen again)."""
        spare = [conn]
        with self._lock:
            idle = self._idle.pop(key, [])
            self._idle[key] = idle  # the most recently used host last
            if len(idle) < self._max_idle:
                idle.append(spare.pop())
                self._count += 1
            while self._count > MAX_IDLE:
                oldest_key = next(iter(self._idle))
                oldest = self._idle[oldest_key]
                spare.append(oldest.pop(0))
                self._count -= 1
                if not oldest:
                    del self._idle[oldest_key]
        for extra in spare:
            extra.close()

    def _connect(self, key: tuple[str, str, int], url: str) -> _Conn:
        scheme, host, port = key
        try:
            sock = socket.create_connection((host, port), timeout=self._connect_timeout)
        except TimeoutError as exc:
            raise ConnectTimeoutError(endpoint_url=url, error=exc) from None
        except OSError as exc:  # refused, unreachable, no such host (socket.gaierror)
            raise EndpointConnectionError(endpoint_url=url, error=exc) from None
        try:
            for option in self._socket_options:
                sock.setsockopt(*option)
            if scheme == "https":
                sock = self._tls_context().wrap_socket(sock, server_hostname=host)
        except TimeoutError as exc:
            sock.close()
            raise ConnectTimeoutError(endpoint_url=url, error=exc) from None
        except ssl.SSLError as exc:
            sock.close()
            raise SSLError(endpoint_url=url, error=exc) from None
        except OSError as exc:
            sock.close()
            raise EndpointConnectionError(endpoint_url=url, error=exc) from None
        return _Conn(sock)

    def _tls_context(self) -> ssl.SSLContext:
        with self._lock:
            if self._tls is None:
                cafile = botocore.httpsession.get_cert_path(self._verify)
                context = ssl.create_default_context(cafile=cafile if os.path.isfile(str(cafile)) else None,
                                                     capath=cafile if os.path.isdir(str(cafile)) else None)
                self._tls = context
            return self._tls


_SESSIONS: weakref.WeakSet[LeanHTTPSession] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for session in list(_SESSIONS):
        session._forget_connections()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _host_header(host: str, port: int, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if port == DEFAULT_PORTS[scheme] else f"{shown}:{port}"


def _text(value: Any) -> str:
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    if "\r" in text or "\n" in text:
        raise HTTPClientError(error="a request header holds a line break")
    return text


def _head(method: str, target: str, host: str, headers, body: bytes | None) -> bytes:
    names = {str(k).lower() for k in headers}
    lines = [f"{method} {target} HTTP/1.1"]
    if "host" not in names:
        lines.append(f"Host: {host}")
    if "accept-encoding" not in names:
        lines.append("Accept-Encoding: identity")
    if "content-length" not in names and (body or method in ("POST", "PUT", "PATCH")):
        lines.append(f"Content-Length: {len(body or b'')}")
    lines.extend(f"{_text(k)}: {_text(v)}" for k, v in headers.items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _exchange(conn: _Conn, head: bytes, body: bytes | None, method: str):
    """Send one request, read its answer: (status, headers, body, whether the connection stays open)."""
    conn.sock.sendall(head + body if body else head)
    rfile = conn.rfile
    while True:
        line = rfile.readline(MAX_LINE + 1)
        if not line:
            raise _Closed("the connection closed before an answer")
        version, status = _status(line)
        headers, connection, chunked, length = _headers(rfile)
        if not (100 <= status < 200) or status == 101:
            break
    if method == "HEAD" or status in _NO_BODY_STATUS or 100 <= status < 200:
        content = b""
    elif chunked:
        content = _chunks(rfile)
    elif length is not None:
        content = _exactly(rfile, length)
    else:
        content = rfile.read(MAX_BODY + 1)
        if len(content) > MAX_BODY:
            raise HTTPClientError(error=f"an answer over {MAX_BODY} bytes")
        return status, headers, content, False
    keep = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
    return status, headers, content, keep


def _status(line: bytes) -> tuple[str, int]:
    parts = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
    if len(line) > MAX_LINE or len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit() \
            or len(parts[1]) != 3:
        raise HTTPClientError(error=f"not an HTTP/1.x status line: {line[:80]!r}")
    return parts[0], int(parts[1])


def _headers(rfile) -> tuple[dict[str, str], str, bool, int | None]:
    """The header block: (headers, repeated names joined by ", " as urllib3 does; the
    Connection value lowered; whether chunked; Content-Length or None)."""
    found: dict[str, str] = {}
    lower: dict[str, str] = {}
    last = None
    for _ in range(MAX_HEADERS + 1):
        line = rfile.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise HTTPClientError(error="an answer's header line is too long")
        if line in (b"\r\n", b"\n", b""):
            break
        text = line.decode("latin-1").rstrip("\r\n")
        if text[:1] in (" ", "\t") and last is not None:  # an obsolete folded line continues the last
            found[last] = f"{found[last]} {text.strip()}"
            continue
        name, sep, value = text.partition(":")
        if not sep or not name or name != name.strip():
            raise HTTPClientError(error=f"a malformed header line in an answer: {text[:80]!r}")
        value = value.strip(" \t")
        key = name.lower()
        if key in lower:
            name = lower[key]
            found[name] = f"{found[name]}, {value}"
        else:
            lower[key] = name
            found[name] = value
        last = name
    else:
        raise HTTPClientError(error=f"an answer with more than {MAX_HEADERS} header lines")
    chunked = "chunked" in found.get(lower.get("transfer-encoding", ""), "").lower()
    length = None
    if not chunked and "content-length" in lower:
        raw = found[lower["content-length"]].split(",")[0].strip()
        if not raw.isdigit():
            raise HTTPClientError(error=f"an answer's Content-Length is not a number: {raw[:40]!r}")
        length = int(raw)
        if length > MAX_BODY:
            raise HTTPClientError(error=f"an answer over {MAX_BODY} bytes")
    return found, found.get(lower.get("connection", ""), "").lower(), chunked, length


def _exactly(rfile, n: int) -> bytes:
    data = rfile.read(n)
    if len(data) < n:
        raise ConnectionResetError(f"the answer ended after {len(data)} of its {n} bytes")
    return data


def _chunks(rfile) -> bytes:
    out = bytearray()
    while True:
        line = rfile.readline(MAX_LINE + 1)
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise ConnectionResetError(f"a malformed chunk size {line[:40]!r}") from None
        if size == 0:
            while rfile.readline(MAX_LINE + 1) not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return bytes(out)
        if len(out) + size > MAX_BODY:
            raise HTTPClientError(error=f"an answer over {MAX_BODY} bytes")
        out += _exactly(rfile, size)
        rfile.readline(MAX_LINE + 1)
