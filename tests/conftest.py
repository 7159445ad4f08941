"""Shared fixtures: a real moto server over HTTP (session-wide), synthetic student accounts
built on it, in-process moto for unit tests, and a grading helper.

In-process `mock_aws` and the server share moto's backends; entering or leaving `mock_aws`
resets them. Each test builds the accounts it grades, so that reset between tests is harmless.
"""

from __future__ import annotations

import itertools
import os

import pytest

from grader.demo.moto_env import configure_moto, moto_server

configure_moto()

_accounts = itertools.count(100000000001)


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch, tmp_path_factory):
    """Never use a real AWS configuration; no retry back-off sleeps in tests."""
    home = tmp_path_factory.getbasetemp()
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ROLE_ARN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "no-aws-credentials"))
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, ctx: 0)


@pytest.fixture(scope="session")
def moto_url():
    with moto_server() as url:
        yield url


@pytest.fixture
def new_account():
    """A fresh 12-digit account id (moto keeps accounts apart)."""
    return lambda: str(next(_accounts))


@pytest.fixture
def build(moto_url, new_account):
    """build(Scenario(...)) -> BuiltStudent in a fresh account on the moto server."""
    import dataclasses

    from grader.demo.scenario import Scenario, build_student

    def run(scenario=None):
        account = new_account()
        scenario = scenario or Scenario()
        # bucket names are global across accounts: make this test's names unique
        scenario = dataclasses.replace(scenario, stamp=f"{scenario.stamp}-{account[-6:]}")
        return build_student(moto_url, account, scenario)

    return run


@pytest.fixture
def grade(moto_url):
    """grade(built, notebooks=None, regions=[...], rubric=None) -> StudentReport, over HTTP."""
    from grader.aws.session import AwsTarget
    from grader.engine import GradeRequest, grade_student
    from grader.models import StudentInfo
    from grader.rubric import load_rubric

    def run(built, *, notebooks=None, regions=("us-east-2", "ca-central-1", "us-west-2"), rubric=None, access=None):
        target = AwsTarget(role_arn=built.role_arn, external_id="ext-123", endpoint_url=moto_url)
        request = GradeRequest(student=StudentInfo(id="s1"), target=target, notebooks=notebooks,
                               regions=list(regions) if regions else None)
        return grade_student(request, rubric or load_rubric(), access=access)

    return run


def item(report, item_id):
    """The item `item_id` of a StudentReport."""
    return next(i for i in report.items if i.id == item_id)


@pytest.fixture
def recorder(tmp_path):
    """moto's request recorder: every HTTP request the server received while recording
    (`tests.reliability.helpers.recorded_operations` reads it as (service, operation))."""
    from moto.moto_api import recorder as moto_recorder

    moto_recorder._location = str(tmp_path / "recording.jsonl")
    moto_recorder.reset_recording()
    yield moto_recorder
    moto_recorder.stop_recording()


@pytest.fixture
def in_process():
    """In-process moto (mock_aws) for unit tests; yields nothing, AWS calls land in moto."""
    from moto import mock_aws

    with mock_aws():
        yield


pytest.item = item  # convenience for test modules: `from tests.conftest import item` also works
os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
