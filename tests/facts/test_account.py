"""Derived facts: lazy, computed once per run even when threads ask together, and a FactError
("could not determine") is kept and raised again for every asker, never an empty answer."""

from __future__ import annotations

import threading

import boto3
import pytest

from grader.aws.session import AwsAccess, AwsTarget
from grader.errors import FactError
from tests.checks.helpers import account_context
from tests.faults import error_response, own_events


def test_derived_facts_are_computed_once_even_when_threads_ask_together(in_process):
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="sm-models-1")
    account = account_context(AwsAccess(AwsTarget()), regions=["us-east-2", "us-west-2"]).account
    results, barrier = [], threading.Barrier(8)

    def ask():
        barrier.wait()
        results.append((account.training_jobs(), account.private_bucket(), account.job_analysis()))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({tuple(map(id, r)) for r in results}) == 1  # every asker got the same objects
    scan, private, _ = results[0]
    assert private.name == "sm-models-1" and private.route == "name-pattern"
    assert scan.regions == ["us-east-2", "us-west-2"] and scan.unreadable == {}
    ops = account.access.operations
    assert ops[("sagemaker", "ListTrainingJobs")] == 2 and ops[("s3", "ListBuckets")] == 1


def test_could_not_determine_is_kept_and_raised_for_every_asker(in_process):
    """No bucket matches the patterns and listing the only candidate is denied: the private bucket
    cannot be determined (FactError), and that answer is cached like any other."""
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="some-data")
    access = AwsAccess(AwsTarget())
    own_events(access).register_first(
        "before-send.s3.ListObjectsV2", lambda **_: error_response("s3", "AccessDenied", 403, "denied"))
    account = account_context(access, regions=["us-east-2"]).account
    with pytest.raises(FactError) as first:
        account.private_bucket()
    with pytest.raises(FactError) as again:
        account.private_bucket()
    assert again.value is first.value
    assert first.value.what == "the private bucket" and "some-data: access denied" in first.value.reason
    assert access.operations[("s3", "ListObjectsV2")] == 1


def test_identification_uses_the_rubric_level_params(in_process):
    s3 = boto3.client("s3", region_name="us-east-1")
    for name in ("sm-models-1", "course-1"):
        s3.create_bucket(Bucket=name)
    default = account_context(AwsAccess(AwsTarget()), regions=["us-east-2"]).account
    custom = account_context(AwsAccess(AwsTarget()), regions=["us-east-2"],
                             private_bucket_patterns=["course-*"]).account
    assert default.private_bucket().name == "sm-models-1"
    assert custom.private_bucket().name == "course-1"
