"""aws_call / cached: errors become FactError with a reason; facts are fetched once."""

from __future__ import annotations

import threading

import botocore.exceptions
import pytest

from grader.aws.calls import CachedFacts, aws_call, cached, describe_error
from grader.errors import FactError


def client_error(code, status=400, message="m"):
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op"
    )


def raiser(exc):
    def f(**_):
        raise exc

    return f


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (client_error("AccessDenied", 403), "access denied"),
        (client_error("Throttling"), "throttled past retries"),
        (client_error("SlowDown", 503), "throttled past retries"),
        (client_error("InternalError", 500), "HTTP 500"),
        (NotImplementedError(), "does not implement"),
        (botocore.exceptions.EndpointConnectionError(endpoint_url="http://x"), "could not be reached"),
        (botocore.exceptions.ReadTimeoutError(endpoint_url="http://x"), "timed out"),
    ],
)
def test_failures_become_fact_errors_with_reasons(exc, text):
    with pytest.raises(FactError) as info:
        aws_call("thing", raiser(exc))
    assert text in info.value.reason
    assert info.value.what == "thing"


def test_not_found_is_data_when_asked():
    assert aws_call("x", raiser(client_error("NoSuchBucketPolicy", 404)), not_found=None) is None
    with pytest.raises(FactError):
        aws_call("x", raiser(client_error("NoSuchBucketPolicy", 404)))
    with pytest.raises(FactError):  # access denied is never "not found"
        aws_call("x", raiser(client_error("AccessDenied", 403)), not_found=None)


def test_describe_error_for_unknown_exception():
    assert describe_error(ValueError("boom")) == ("ValueError: boom", "ValueError")


class Facts(CachedFacts):
    def __init__(self):
        super().__init__()
        self.calls = 0
        self.gate = threading.Event()

    @cached
    def slow(self, arg):
        self.calls += 1
        self.gate.wait(1)
        return arg * 2

    @cached
    def broken(self):
        self.calls += 1
        raise FactError("broken", "access denied")


def test_cached_fetches_once_across_threads():
    facts = Facts()
    results = []
    threads = [threading.Thread(target=lambda: results.append(facts.slow(21))) for _ in range(8)]
    for t in threads:
        t.start()
    facts.gate.set()
    for t in threads:
        t.join()
    assert results == [42] * 8
    assert facts.calls == 1
    assert facts.slow(1) == 2 and facts.calls == 2


def test_cached_remembers_errors():
    facts = Facts()
    for _ in range(3):
        with pytest.raises(FactError):
            facts.broken()
    assert facts.calls == 1


def test_a_clients_paginator_is_made_once_and_serves_every_pagination(moto_url):
    from grader.aws.calls import paginate, paginator
    from grader.aws.session import AwsAccess, AwsTarget

    access = AwsAccess(AwsTarget(endpoint_url=moto_url))
    iam = access.client("iam")
    assert paginator(iam, "list_users") is paginator(iam, "list_users")
    assert paginator(iam, "list_roles") is not paginator(iam, "list_users")
    assert paginator(access.client("iam", "us-west-2"), "list_users") is not paginator(iam, "list_users")
    first = paginate("users", iam, "list_users", "Users")
    assert paginate("users", iam, "list_users", "Users") == first
    assert access.operations[("iam", "ListUsers")] == 2  # each pagination sends its own requests
