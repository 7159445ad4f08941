"""grader.aws.session.base_session: the caller's session, made once per profile and
configuration and shared by the students a process grades; its clients are made one at a time."""

from __future__ import annotations

import os
import threading

import pytest

from grader.aws.session import AwsAccess, AwsTarget, base_session
from grader.errors import InputError


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "config"
    path.write_text("[default]\nregion = us-east-2\n[profile ta]\nregion = ca-central-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return path


def test_students_of_one_profile_share_the_callers_session(config):
    a, b = AwsAccess(AwsTarget()), AwsAccess(AwsTarget())
    assert a.session is b.session is base_session(None)
    ta = AwsAccess(AwsTarget(profile="ta"))
    assert ta.session is not a.session and ta.session.get_scoped_config() == {"region": "ca-central-1"}


def test_a_changed_variable_or_config_file_makes_a_new_session(config, monkeypatch):
    first = base_session(None)
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    second = base_session(None)
    assert second is not first and second.get_config_variable("retry_mode") == "adaptive"
    assert base_session(None) is second
    config.write_text("[default]\nregion = eu-west-3\n")
    os.utime(config, ns=(1, 1))  # a different modification time whatever the clock's resolution
    third = base_session(None)
    assert third is not second and third.get_scoped_config() == {"region": "eu-west-3"}


def test_an_unknown_profile_is_one_clear_error_and_is_not_kept(config):
    for _ in range(2):
        with pytest.raises(InputError, match="'absent' is not configured"):
            AwsAccess(AwsTarget(profile="absent"))
    config.write_text(config.read_text() + "[profile absent]\nregion = us-west-2\n")
    os.utime(config, ns=(2, 2))
    assert AwsAccess(AwsTarget(profile="absent")).session.get_scoped_config() == {"region": "us-west-2"}


def test_clients_made_from_the_shared_session_in_many_threads_at_once(config, monkeypatch):
    """32 students' accesses make their clients at the same moment, from one fresh session: every
    client is made, each with the credentials it was given (the shared session's lock)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA" + "SHAREDSESSION000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "shared-session-secret")
    start, made, failed = threading.Barrier(32), [], []

    def student(i: int) -> None:
        access = AwsAccess(AwsTarget(endpoint_url="http://127.0.0.1:9"))
        access._credentials = {"aws_access_key_id": f"AKIASTUDENT{i:09d}", "aws_secret_access_key": f"s{i}"}
        start.wait()
        try:
            for service in ("s3", "sagemaker", "iam"):
                client = access.client(service, "us-east-2")
                made.append((i, client._request_signer._credentials.access_key))
        except Exception as exc:  # noqa: BLE001 - the test reports any failure below
            failed.append(repr(exc))

    threads = [threading.Thread(target=student, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failed == []
    assert sorted(made) == sorted((i, f"AKIASTUDENT{i:09d}") for i in range(32) for _ in range(3))
