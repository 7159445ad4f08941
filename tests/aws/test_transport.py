"""grader.aws.transport: the lean HTTP/1.1 transport, against the real moto server and against
small socket servers of the tests' own that answer as a test scripts them (chunked bodies,
interim answers, closed and stale connections, silence, oversized headers, TLS)."""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
import time

import botocore.httpsession
import pytest
from botocore.awsrequest import AWSRequest
from botocore.exceptions import (
    ConnectionClosedError,
    EndpointConnectionError,
    HTTPClientError,
    ReadTimeoutError,
    SSLError,
)

from grader.aws import transport
from grader.aws.session import AwsAccess, AwsTarget
from grader.aws.transport import LeanHTTPSession, lean_settings


class Scripted:
    """A socket server on 127.0.0.1: connection i is given to `script(sock, i, server)`; the
    requests' head blocks it read are kept in `heads`."""

    def __init__(self, script, tls: ssl.SSLContext | None = None):
        self.script, self.tls = script, tls
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.heads: list[bytes] = []
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            if self.tls is not None:
                try:
                    sock = self.tls.wrap_socket(sock, server_side=True)
                except (ssl.SSLError, OSError):
                    sock.close()
                    continue
            index, self.connections = self.connections, self.connections + 1
            threading.Thread(target=self._run, args=(sock, index), daemon=True).start()

    def _run(self, sock, index):
        try:
            self.script(sock, index, self)
        except OSError:
            pass
        finally:
            sock.close()

    def read_head(self, sock) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(rest) < length:
            rest += sock.recv(65536)
        self.heads.append(head)
        return head

    def url(self, path: str = "/", scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def close(self):
        self.listener.close()


@pytest.fixture
def server():
    made = []

    def make(script, tls=None):
        made.append(Scripted(script, tls))
        return made[-1]

    yield make
    for s in made:
        s.close()


def request(url: str, method: str = "GET", headers: dict | None = None, body=None):
    return AWSRequest(method=method, url=url, headers=headers or {}, data=body).prepare()


def answer(sock, status: str, headers: list[tuple[str, str]], body: bytes = b""):
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    sock.sendall(head.encode() + body)


def keep_answering(body: bytes = b"ok"):
    def script(sock, _index, srv):
        while srv.read_head(sock):
            answer(sock, "200 OK", [("Content-Length", str(len(body)))], body)
    return script


# -- against the moto server ------------------------------------------------------------------


def test_clients_get_the_lean_session_and_read_moto_through_it(moto_url, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("GRADER_HTTP", raising=False)
    access = AwsAccess(AwsTarget(endpoint_url=moto_url))
    sts = access.client("sts")
    assert isinstance(sts._endpoint.http_session, LeanHTTPSession)
    assert sts.get_caller_identity()["Account"].isdigit()
    # a denied read is botocore's ClientError with moto's code, parsed from the lean answer
    s3 = access.client("s3", "us-east-1")
    with pytest.raises(Exception) as caught:
        s3.head_bucket(Bucket="grader-transport-no-such-bucket")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_a_streamed_body_and_a_head_request_read_as_botocore_reads_them(moto_url, monkeypatch):
    """moto set up in-process through botocore's own transport (the grader never writes), then
    read through the lean one: a GetObject range as a StreamingBody, a HeadObject without body."""
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    writer = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_url)
    writer.create_bucket(Bucket="grader-transport-read")
    writer.put_object(Bucket="grader-transport-read", Key="k", Body=b"0123456789" * 1000)
    s3 = AwsAccess(AwsTarget(endpoint_url=moto_url)).client("s3", "us-east-1")
    got = s3.get_object(Bucket="grader-transport-read", Key="k", Range="bytes=5-14")
    assert got["Body"].read() == b"5678901234"
    head = s3.head_object(Bucket="grader-transport-read", Key="k")
    assert head["ContentLength"] == 10000


# -- answers as the tests script them ---------------------------------------------------------


def test_a_chunked_body_with_trailers_and_repeated_headers_are_joined(server):
    def script(sock, _i, srv):
        srv.read_head(sock)
        head = ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nx-amz-a: 1\r\nX-Amz-A: 2\r\n"
                " folded\r\n\r\n")
        sock.sendall(head.encode() + b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n")
        srv.read_head(sock)  # the connection was kept: a second request comes on it
        answer(sock, "200 OK", [("Content-Length", "2")], b"ok")

    srv = server(script)
    lean = LeanHTTPSession()
    first = lean.send(request(srv.url("/a")))
    assert first.content == b"hello world"
    assert first.headers["x-amz-a"] == "1, 2 folded"
    assert lean.send(request(srv.url("/b"))).content == b"ok"
    assert srv.connections == 1


def test_the_request_head_is_what_botocore_signs_and_no_line_break_goes_out(server):
    srv = server(keep_answering())
    lean = LeanHTTPSession()
    lean.send(request(srv.url("/p?x=1"), "POST", {"X-Amz-Date": "20261202T000000Z"}, body="Action=List"))
    head = srv.heads[0].decode()
    assert head.startswith("POST /p?x=1 HTTP/1.1\r\n")
    assert f"Host: 127.0.0.1:{srv.port}" in head and "Content-Length: 11" in head
    assert "Accept-Encoding: identity" in head
    with pytest.raises(HTTPClientError, match="line break"):
        lean.send(request(srv.url("/"), headers={"X-Evil": "a\r\nX-Injected: 1"}))
    assert len(srv.heads) == 1
    assert transport._host_header("sts.amazonaws.com", 443, "https") == "sts.amazonaws.com"
    assert transport._host_header("::1", 8080, "http") == "[::1]:8080"


def test_interim_answers_are_skipped_and_head_answers_have_no_body(server):
    def script(sock, _i, srv):
        srv.read_head(sock)
        sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        answer(sock, "200 OK", [("Content-Length", "3")], b"abc")
        srv.read_head(sock)
        answer(sock, "200 OK", [("Content-Length", "999")])  # a HEAD answer: the length, no body
        srv.read_head(sock)
        answer(sock, "204 No Content", [])

    srv = server(script)
    lean = LeanHTTPSession()
    assert lean.send(request(srv.url())).content == b"abc"
    head = lean.send(request(srv.url(), "HEAD"))
    assert head.status_code == 200 and head.content == b"" and head.headers["Content-Length"] == "999"
    assert lean.send(request(srv.url())).status_code == 204
    assert srv.connections == 1


def test_idle_connections_are_bounded_per_host_and_in_all(server, monkeypatch):
    monkeypatch.setattr(transport, "MAX_IDLE", 3)
    servers = [server(keep_answering()) for _ in range(3)]
    lean = LeanHTTPSession(max_pool_connections=2)
    hold = threading.Barrier(3)

    def three_at_once(srv):  # three requests on one host at once: three connections
        threads = [threading.Thread(target=lambda: (hold.wait(), lean.send(request(srv.url())))) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    three_at_once(servers[0])
    assert servers[0].connections == 3 and len(lean._idle[("http", "127.0.0.1", servers[0].port)]) == 2
    for srv in servers[1:]:
        lean.send(request(srv.url()))
    assert lean._count == 3 == sum(map(len, lean._idle.values()))
    # the host used least recently gave up its oldest connection
    assert [len(lean._idle[("http", "127.0.0.1", s.port)]) for s in servers] == [1, 1, 1]
    lean.send(request(servers[0].url()))
    assert servers[0].connections == 3  # its kept connection was reused


def test_a_forked_child_opens_its_own_connections(server):
    import os

    srv = server(keep_answering())
    lean = LeanHTTPSession()
    lean.send(request(srv.url()))
    assert sum(map(len, lean._idle.values())) == 1
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: reports what it found, then sends on a connection of its own
        try:
            idle = sum(map(len, lean._idle.values()))
            ok = lean.send(request(srv.url())).content == b"ok"
            os.write(write, f"{idle} {ok}".encode())
        finally:
            os._exit(0)
    os.close(write)
    seen = os.read(read, 100).decode()
    os.waitpid(pid, 0)
    assert seen == "0 True"
    assert lean.send(request(srv.url())).content == b"ok"  # the parent's kept connection still works
    assert srv.connections == 2


def test_connection_close_and_a_body_to_the_end_leave_no_connection_in_the_pool(server):
    def script(sock, i, srv):
        srv.read_head(sock)
        if i == 0:
            answer(sock, "200 OK", [("Content-Length", "2"), ("Connection", "close")], b"ab")
        else:
            sock.sendall(b"HTTP/1.1 200 OK\r\n\r\nto the end")
            sock.shutdown(socket.SHUT_WR)

    srv = server(script)
    lean = LeanHTTPSession()
    assert lean.send(request(srv.url())).content == b"ab"
    assert not any(lean._idle.values())
    assert lean.send(request(srv.url())).content == b"to the end"
    assert srv.connections == 2 and not any(lean._idle.values())


def test_a_connection_the_server_closed_while_idle_is_replaced(server):
    def script(sock, _i, srv):
        srv.read_head(sock)
        answer(sock, "200 OK", [("Content-Length", "2")], b"ok")  # keep-alive, then gone

    srv = server(script)
    lean = LeanHTTPSession()
    assert lean.send(request(srv.url())).content == b"ok"
    time.sleep(0.2)  # the server has closed it
    assert lean.send(request(srv.url())).content == b"ok"
    assert srv.connections == 2


def test_a_reused_connection_closed_before_any_answer_is_tried_once_more(server):
    def script(sock, i, srv):
        srv.read_head(sock)
        answer(sock, "200 OK", [("Content-Length", "2")], b"ok")
        if i == 0:
            srv.read_head(sock)  # the second request arrives, and the server drops it unanswered

    srv = server(script)
    lean = LeanHTTPSession()
    assert lean.send(request(srv.url())).content == b"ok"
    assert lean.send(request(srv.url())).content == b"ok"
    assert srv.connections == 2 and len(srv.heads) == 3


def test_a_new_connection_closed_before_an_answer_or_mid_body_is_botocores_connection_closed(server):
    def script(sock, i, srv):
        srv.read_head(sock)
        if i == 1:
            answer(sock, "200 OK", [("Content-Length", "100")], b"only ten b")

    srv = server(script)
    lean = LeanHTTPSession()
    with pytest.raises(ConnectionClosedError):
        lean.send(request(srv.url()))
    with pytest.raises(ConnectionClosedError):
        lean.send(request(srv.url()))


def test_silence_is_a_read_timeout_and_no_listener_an_endpoint_connection_error(server):
    srv = server(lambda sock, _i, s: (s.read_head(sock), time.sleep(5)))
    lean = LeanHTTPSession(timeout=(2, 0.3))
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        lean.send(request(srv.url()))
    assert time.monotonic() - started < 3
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    with pytest.raises(EndpointConnectionError):
        lean.send(request(f"http://127.0.0.1:{port}/"))


@pytest.mark.parametrize("head", [
    b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n" + b"X-Many: 1\r\n" * 150 + b"\r\n",
    b"SSH-2.0-OpenSSH\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\n",
])
def test_a_malformed_or_oversized_answer_is_an_http_client_error(server, head):
    def script(sock, _i, srv):
        srv.read_head(sock)
        sock.sendall(head)
        time.sleep(0.5)

    lean = LeanHTTPSession()
    with pytest.raises(HTTPClientError):
        lean.send(request(server(script).url()))


def test_a_body_past_the_limit_is_refused(server, monkeypatch):
    monkeypatch.setattr(transport, "MAX_BODY", 1000)

    def script(sock, i, srv):
        srv.read_head(sock)
        if i == 0:
            answer(sock, "200 OK", [("Content-Length", "5000")], b"x" * 5000)
        else:
            sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"200\r\n" + b"y" * 512
                         + b"\r\n" + b"200\r\n" + b"y" * 512 + b"\r\n0\r\n\r\n")

    srv = server(script)
    lean = LeanHTTPSession()
    for _ in range(2):
        with pytest.raises(HTTPClientError, match="over 1000 bytes"):
            lean.send(request(srv.url()))


def test_a_body_that_is_not_bytes_or_an_expect_header_goes_to_botocores_own_session(server):
    srv = server(keep_answering(b"via urllib3"))
    lean = LeanHTTPSession()
    import io

    got = lean.send(request(srv.url(), "PUT", {"Expect": "100-continue"}, body=io.BytesIO(b"data")))
    assert got.content == b"via urllib3"
    assert isinstance(lean._fallback, botocore.httpsession.URLLib3Session)


def test_settings_the_lean_session_does_not_take_stay_with_urllib3(monkeypatch):
    monkeypatch.delenv("GRADER_HTTP", raising=False)
    assert lean_settings({"verify": True, "proxies": {}})
    assert not lean_settings({"proxies": {"https": "http://proxy.example:3128"}})
    assert not lean_settings({"client_cert": "/tmp/cert.pem"})
    assert not lean_settings({"proxies_config": {"proxy_ca_bundle": "/tmp/ca.pem"}})
    assert not lean_settings({"verify": False})
    monkeypatch.setenv("GRADER_HTTP", "urllib3")
    assert not lean_settings({"verify": True})


# -- TLS ----------------------------------------------------------------------------------------


def _certificates(tmp_path):
    """A CA of the test's own and a certificate for 127.0.0.1 it signed: (ca.pem, cert.pem, key.pem)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(text):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("grader test CA")).issuer_name(name("grader test CA"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(2).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


def test_tls_is_verified_against_the_bundle_botocore_would_use(server, tmp_path):
    ca, cert, key = _certificates(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    srv = server(keep_answering(b"secure"), tls=tls)
    trusted = LeanHTTPSession(verify=str(ca))
    assert trusted.send(request(srv.url(scheme="https"))).content == b"secure"
    assert trusted.send(request(srv.url(scheme="https"))).content == b"secure"
    assert srv.connections == 1  # one handshake, the connection kept
    with pytest.raises(SSLError):  # the default bundle does not know the test's CA
        LeanHTTPSession(verify=True).send(request(srv.url(scheme="https")))
