"""Response headers read without the e-mail parser, when that gives the same message.

`http.client` (under urllib3, under botocore) parses every response's header block with the
standard library's e-mail feed parser, a general MIME parser: about a twentieth of the grader's
CPU per student, for ten lines of `Name: value`. `install()` replaces `http.client.parse_headers`
with `parse_headers` here, which builds the `HTTPMessage` directly when the block is plain (each
line one `Name: value` ending in CRLF, a name of printable ASCII without a colon, no folded or
`From ` lines, no other line break inside a line, no multipart or message content type) and
hands every other block, unchanged, to the standard library's parser. For a plain block the
message is the one the e-mail parser makes (same headers in the same order, same values, no
defects, empty payload, the `compat32` policy): tests/aws/test_headers.py compares the two on
generated blocks. The headers are read from the socket by `http.client` itself, with its limits
on line length and header count.
"""

from __future__ import annotations

import email.parser
import http.client
import re
from email import policy as email_policy
from typing import IO, Any

# A plain line: a name of the e-mail parser's header characters (printable ASCII but the colon:
# no space, so no `From ` line either), a colon, the blanks the parser strips, and a value with
# no character `str.splitlines` (which the parser splits on) breaks a line at; CRLF ends it.
_LINE = r"([\041-\071\073-\176]+):[ \t]*([^\r\n\x0b\x0c\x1c\x1d\x1e\x85]*)\r\n"
_PLAIN_BLOCK = re.compile(f"(?:{_LINE})*\r\n")
_PLAIN_LINE = re.compile(_LINE)
_SPECIAL_TYPE = re.compile(r"multipart|message", re.IGNORECASE)  # content types the parser reads further
_STDLIB_PARSE = http.client.parse_headers
MAX_FAST = 8000  # characters: a longer block (never an AWS response's) goes to the e-mail parser


def plain_message(lines: list[bytes]) -> http.client.HTTPMessage | None:
    """The message of a header block read by `http.client._read_headers` (its lines and the blank
    one ending it), or None when the block is not plain (see the module doc)."""
    text = b"".join(lines).decode("iso-8859-1")
    if len(text) > MAX_FAST or not _PLAIN_BLOCK.fullmatch(text):
        return None
    pairs = _PLAIN_LINE.findall(text)
    for name, value in pairs:
        if len(name) == 12 and name.lower() == "content-type" and _SPECIAL_TYPE.search(value):
            return None
    msg = http.client.HTTPMessage(policy=email_policy.compat32)
    msg._headers = pairs
    msg.set_payload("")
    return msg


def parse_headers(fp: IO[bytes], _class: Any = http.client.HTTPMessage) -> http.client.HTTPMessage:
    """`http.client.parse_headers`, with the plain blocks built directly."""
    lines = http.client._read_headers(fp)
    if _class is http.client.HTTPMessage:
        msg = plain_message(lines)
        if msg is not None:
            return msg
    return email.parser.Parser(_class=_class).parsestr(b"".join(lines).decode("iso-8859-1"))


def install() -> None:
    """Make `http.client` read response headers with `parse_headers` (once per process; a no-op
    where this Python's http.client lacks what it relies on)."""
    if http.client.parse_headers is _STDLIB_PARSE and hasattr(http.client, "_read_headers"):
        http.client.parse_headers = parse_headers
