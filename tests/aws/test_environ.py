"""grader.aws.environ: a session's configuration reads one snapshot of the environment, and
resolves every setting as botocore itself does."""

from __future__ import annotations

import botocore.session
from botocore.configprovider import BOTOCORE_DEFAUT_SESSION_VARIABLES

from grader.aws.session import new_session

SET = {"AWS_MAX_ATTEMPTS": "7", "AWS_RETRY_MODE": "adaptive", "AWS_S3_US_EAST_1_REGIONAL_ENDPOINT": "regional",
       "AWS_STS_REGIONAL_ENDPOINTS": "legacy", "AWS_DEFAULTS_MODE": "standard", "AWS_DEFAULT_REGION": "eu-west-3",
       "AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS": "true"}


def _settings(core: botocore.session.Session) -> dict:
    names = [*BOTOCORE_DEFAUT_SESSION_VARIABLES, "s3", "proxies_config"]
    return {name: core.get_config_variable(name) for name in names}


def test_a_session_resolves_every_setting_as_botocore_does(monkeypatch):
    for name, value in SET.items():
        monkeypatch.setenv(name, value)
    ours, theirs = _settings(new_session()), _settings(botocore.session.Session())
    assert ours == theirs
    assert ours["max_attempts"] == 7 and ours["retry_mode"] == "adaptive" and ours["region"] == "eu-west-3"
    assert ours["s3"] == {"us_east_1_regional_endpoint": "regional", "s3_disable_multiregion_access_points": True}


def test_a_session_reads_the_environment_once_when_it_is_made(monkeypatch):
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    core = new_session()
    default = botocore.session.Session().get_config_variable("retry_mode")
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    assert default != "adaptive" and core.get_config_variable("retry_mode") == default  # as when it was made
    assert botocore.session.Session().get_config_variable("retry_mode") == "adaptive"
    assert new_session().get_config_variable("retry_mode") == "adaptive"  # the next student's sees it


def _config_file(tmp_path, monkeypatch, text: str):
    path = tmp_path / "config"
    path.write_text(text)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return path


def test_the_profile_section_is_read_once_and_is_botocores(tmp_path, monkeypatch):
    _config_file(tmp_path, monkeypatch, "[default]\nretry_mode = adaptive\n[profile other]\nmax_attempts = 9\n")
    core = new_session()
    first = core.get_scoped_config()
    assert first == botocore.session.Session().get_scoped_config() == {"retry_mode": "adaptive"}
    looked_up = []
    core._build_profile_map = lambda: looked_up.append(1) or {}
    assert core.get_scoped_config() is first and looked_up == []  # kept, not looked up again
    assert core.get_config_variable("retry_mode") == "adaptive"


def test_naming_another_profile_reads_its_section(tmp_path, monkeypatch):
    _config_file(tmp_path, monkeypatch, "[default]\nretry_mode = adaptive\n[profile other]\nmax_attempts = 9\n")
    core = new_session()
    assert core.get_config_variable("max_attempts") is None
    core.set_config_variable("profile", "other")
    assert core.get_scoped_config() == {"max_attempts": "9"}
    assert core.get_config_variable("max_attempts") == 9


def test_an_unknown_profile_is_an_error_each_time_it_is_asked(tmp_path, monkeypatch):
    import pytest
    from botocore.exceptions import ProfileNotFound

    _config_file(tmp_path, monkeypatch, "[default]\n")
    core = new_session(profile_name="absent")
    for _ in range(2):
        with pytest.raises(ProfileNotFound):
            core.get_scoped_config()
