"""The timestamp parser of the grader's botocore sessions: botocore's, with a fast path.

botocore parses every timestamp of a response (a user's CreateDate, each object's LastModified,
each training job's times) with `dateutil.parser.parse`, about 0.2 ms each: a tenth of the
grader's CPU for a request listing users or objects. AWS's XML and JSON protocols send
timestamps as ISO 8601 in UTC (`2026-12-01T10:00:00Z`, `...:00.123Z`), which
`datetime.fromisoformat` reads in microseconds. Anything else (epoch seconds, RFC 822 dates, an
offset other than Z, a malformed value) goes to botocore's own parser, so the result is always
botocore's: the same instant, in UTC.
"""

from __future__ import annotations

import re
from datetime import datetime

from botocore.utils import parse_timestamp as botocore_parse_timestamp
from botocore.utils import tzutc  # dateutil's, as botocore uses it (dateutil comes with botocore)

_UTC = tzutc()


#: Exactly AWS's form: a calendar date, a time with optional fraction, Z (nothing else takes the fast path)
_AWS_FORM = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z")


def parse_timestamp(value):
    if isinstance(value, str) and _AWS_FORM.fullmatch(value):
        try:
            return datetime.fromisoformat(value[:-1]).replace(tzinfo=_UTC)
        except ValueError:  # e.g. month 13: botocore's error
            pass
    return botocore_parse_timestamp(value)


def install(session) -> None:
    """Make `parse_timestamp` the timestamp parser of a botocore session's clients."""
    session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=parse_timestamp)
