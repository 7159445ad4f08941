"""A session's environment variables, read once: botocore's configuration chains look each
setting up in `os.environ` again at every lookup (about thirty lookups for each client it
creates, most of them for variables that are not set, each a KeyError raised and caught inside
`os.environ`), which was a twentieth of a student's CPU.

`install(core)` points every environment lookup of a botocore session's configuration at one
copy of `os.environ`, taken when the session is made. The settings a session resolves are the
ones botocore would resolve at that moment; a variable changed after the session was made is
not seen by it (the grader's sessions are made again when an AWS_* variable changes,
`grader.aws.session.base_session`, and it changes no variable while grading).
Credentials are not concerned: botocore's credential chain keeps its own lookups.

The profile's section of the config files (`get_scoped_config`) is kept too, once read:
botocore looks it up again (the profile's name through the configuration chain, then the parsed
files) for every setting a client reads from the files, about fifty times a client. It is
read again after `set_config_variable` (which may name another profile).
"""

from __future__ import annotations

import os
from typing import Any

import botocore.session
from botocore.configprovider import EnvironmentProvider


def install(core: botocore.session.Session) -> None:
    """Make `core`'s configuration read one snapshot of the environment, and its profile's
    section once (see the module doc)."""
    snapshot = dict(os.environ)
    store = core.get_component("config_store")
    for provider in store._mapping.values():
        _point(provider, snapshot)
    _keep_scoped_config(core)


def _keep_scoped_config(core: botocore.session.Session) -> None:
    read, setter = core.get_scoped_config, core.set_config_variable
    kept: list[dict[str, Any]] = []  # the one section read, once read (an error is not kept)

    def get_scoped_config() -> dict[str, Any]:
        if not kept:
            kept.append(read())
        return kept[0]

    def set_config_variable(logical_name: str, value: Any) -> None:
        kept.clear()
        setter(logical_name, value)

    core.get_scoped_config = get_scoped_config
    core.set_config_variable = set_config_variable


def _point(provider: Any, env: dict[str, str]) -> None:
    """Point the environment providers inside `provider` (a chain, a section of settings such as
    `s3`, or a single provider) at `env`."""
    if isinstance(provider, EnvironmentProvider):
        provider._env = env
        return
    for child in getattr(provider, "_providers", None) or ():
        _point(child, env)
    for child in (getattr(provider, "_override_providers", None) or {}).values():
        _point(child, env)
