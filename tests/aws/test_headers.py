"""grader.aws.headers: a response's header block gives the message the standard library's
e-mail parser gives, whatever the block; plain blocks (every AWS response's) take the fast path."""

from __future__ import annotations

import email.parser
import http.client
import io

from hypothesis import example, given, settings
from hypothesis import strategies as st

from grader.aws import headers

TYPICAL = (b"Server: Werkzeug/3.1.9 Python/3.11.7\r\nDate: Wed, 02 Dec 2026 05:17:44 GMT\r\n"
           b"Content-Type: text/xml\r\nx-amzn-requestid: XEBcEseC2l2nxmJ9N0LY\r\nContent-Length: 1029\r\n\r\n")


def _stdlib(block: bytes) -> http.client.HTTPMessage:
    lines = http.client._read_headers(io.BytesIO(block))
    return email.parser.Parser(_class=http.client.HTTPMessage).parsestr(b"".join(lines).decode("iso-8859-1"))


def _state(msg) -> dict:
    state = dict(vars(msg))
    state["defects"] = [type(d) for d in state["defects"]]
    if isinstance(state["_payload"], list):  # a message/* or multipart block (the e-mail parser's, both sides)
        state["_payload"] = [_state(part) for part in state["_payload"]]
    return state


_names = st.sampled_from(["Content-Type", "content-length", "x-amz-id-2", "Server", "Date", "From", "X", "a b",
                          "", "é", "x\x7f", "Set-Cookie"])
_values = st.one_of(
    st.sampled_from(["text/xml", "application/x-amz-json-1.1", "multipart/mixed; boundary=x", "message/rfc822",
                     "  padded  ", "", "a\rb", "a\x85b", "a\x0bb", "\tTab", "caf\xe9", "x" * 50]),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=255), max_size=20))
_line = st.one_of(
    st.builds(lambda n, v, end: f"{n}: {v}{end}", _names, _values, st.sampled_from(["\r\n", "\r\n", "\n"])),
    st.sampled_from(["From someone\r\n", " folded\r\n", "\tfolded\r\n", "no colon here\r\n", ":empty name\r\n"]))


@settings(max_examples=400, deadline=None)
@given(st.lists(_line, max_size=12), st.sampled_from(["\r\n", "\n", ""]), st.binary(max_size=8))
@example(["Server: x\r\n", "Content-Type: text/xml\r\n"], "\r\n", b"<a/>")
@example(["Content-Type: Multipart/Form-Data; boundary=b\r\n"], "\r\n", b"")
@example(["X: a\x1cb\r\n"], "\r\n", b"")
def test_any_block_gives_the_email_parsers_message_and_reads_as_far(lines, end, body):
    block = "".join(lines).encode("iso-8859-1") + end.encode() + body
    theirs_fp, ours_fp = io.BytesIO(block), io.BytesIO(block)
    theirs = headers._STDLIB_PARSE(theirs_fp)  # the standard library's own
    ours = headers.parse_headers(ours_fp)
    assert _state(ours) == _state(theirs)
    assert ours.items() == theirs.items() and ours.get("content-type") == theirs.get("content-type")
    assert ours_fp.tell() == theirs_fp.tell()


def test_an_aws_response_takes_the_fast_path_and_the_rest_do_not():
    msg = headers.plain_message(http.client._read_headers(io.BytesIO(TYPICAL)))
    assert msg is not None and _state(msg) == _state(_stdlib(TYPICAL))
    assert msg["content-length"] == "1029" and msg.get_all("server") == ["Werkzeug/3.1.9 Python/3.11.7"]
    for odd in (b"X: a\r\n folded\r\n\r\n", b"From me\r\n\r\n", b"X: a\n\r\n", b"Content-Type: multipart/x\r\n\r\n",
                b"X: 1\r\n"):
        assert headers.plain_message(http.client._read_headers(io.BytesIO(odd))) is None, odd


def test_a_grader_session_installs_it():
    import grader.aws.session  # noqa: F401 - importing the AWS layer installs it

    assert http.client.parse_headers is headers.parse_headers
