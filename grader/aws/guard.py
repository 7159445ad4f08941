"""Read-only by construction: refuse, before it is sent, any AWS operation that is not a read.

Allowed: operations whose name starts with Get, List, Describe or Head, plus STS AssumeRole and
GetCallerIdentity (needed to obtain access). Everything else raises ReadOnlyViolation from a
`before-call` hook, which botocore runs before building and sending the request.
"""

from __future__ import annotations

from grader.errors import ReadOnlyViolation

READ_PREFIXES = ("Get", "List", "Describe", "Head")
ACCESS_OPERATIONS = frozenset({("sts", "AssumeRole"), ("sts", "GetCallerIdentity")})


def is_read_operation(service: str, operation: str) -> bool:
    """True when `operation` of `service` is allowed by the read-only promise."""
    if (service, operation) in ACCESS_OPERATIONS:
        return True
    return operation.startswith(READ_PREFIXES) and operation[:1].isupper()


def refuse_writes(model, **_kwargs) -> None:
    """botocore `before-call` handler: raise before a non-read operation is sent."""
    service = model.service_model.service_name
    if not is_read_operation(service, model.name):
        raise ReadOnlyViolation(f"refused to send {service}:{model.name}: the grader only reads")
