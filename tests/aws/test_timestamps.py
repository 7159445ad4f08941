"""grader.aws.timestamps: the fast path gives botocore's answer for every form AWS sends, and
hands anything else to botocore (which also makes its errors)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from botocore.utils import parse_timestamp as botocore_parse_timestamp

from grader.aws.session import new_session
from grader.aws.timestamps import parse_timestamp


def _values() -> list:
    rng = random.Random(7)
    values = []
    for _ in range(300):
        y, mo, d = rng.randint(1970, 2099), rng.randint(1, 12), rng.randint(1, 28)
        h, mi, s = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
        base = f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}"
        digits = rng.choice([0, 1, 3, 6, 7, 9])
        frac = "." + "".join(rng.choice("0123456789") for _ in range(digits)) if digits else ""
        values.append(base + frac + "Z")
    values += ["2026-12-01T10:00:00+00:00", "2026-12-01T12:00:00+02:00", "Tue, 01 Dec 2026 10:00:00 GMT",
               "2026-12-01T10:00:00,5Z", "0001-01-01T00:00:00Z",
               1764583200, 1764583200.5, "1764583200", "2026-12-01 10:00:00Z", "2026-12-01T10:00Z"]
    return values


@pytest.mark.parametrize("value", _values())
def test_each_form_parses_to_botocores_instant_in_utc(value):
    ours, theirs = parse_timestamp(value), botocore_parse_timestamp(value)
    assert ours == theirs and ours.utcoffset() == theirs.utcoffset()
    if isinstance(value, str) and value.endswith("Z"):
        assert ours.utcoffset() == timedelta(0) and ours.isoformat() == theirs.isoformat()


@pytest.mark.parametrize("bad", ["2026-13-01T10:00:00Z", "2026-12-01T25:00:00Z", "not a timeZ", "2026-12-01TZ",
                                 "2026-12-01T10:00:00+05:00Z", "2026-12-01T10:00:00.5+02Z", "2026-W01-1T10:00:00Z"])
def test_a_malformed_value_is_botocores_to_refuse(bad):
    with pytest.raises(ValueError) as ours:
        parse_timestamp(bad)
    with pytest.raises(ValueError) as theirs:
        botocore_parse_timestamp(bad)
    assert str(ours.value) == str(theirs.value)


def test_the_grader_sessions_clients_parse_responses_with_it():
    """Responses are parsed by the endpoint's parser factory (the session's), a parser per response."""
    session = new_session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    for service, protocol in (("iam", "query"), ("s3", "rest-xml"), ("sagemaker", "json"), ("sts", "query")):
        factory = session.create_client(service)._endpoint._response_parser_factory
        assert factory.create_parser(protocol)._timestamp_parser is parse_timestamp


def test_a_response_read_through_it_holds_the_times_plain_boto3_reads():
    import boto3
    from moto import mock_aws

    with mock_aws():
        plain = boto3.client("iam", region_name="us-east-1", aws_access_key_id="testing",
                             aws_secret_access_key="testing")
        for name in ("ada", "grace"):
            plain.create_user(UserName=name)
        session = new_session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
        ours = session.create_client("iam").list_users()["Users"]
        theirs = plain.list_users()["Users"]
    assert [u["CreateDate"] for u in ours] == [u["CreateDate"] for u in theirs]
    assert all(u["CreateDate"].utcoffset() == timedelta(0) for u in ours)
