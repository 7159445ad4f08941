"""A session's environment variables, read once: botocore's configuration chains look each
setting up in `os.environ` again at every lookup (about thirty lookups for each client it
creates, most of them for variables that are not set, each a KeyError raised and caught inside
`os.environ`), which was a twentieth of a student's CPU.

`install(core)` points every environment lookup of a botocore session's configuration at one
copy of `os.environ`, taken when the session is made. The settings a session resolves are the
ones botocore would resolve at that moment; a variable changed after the session was made is
not seen by it (the grader makes a session per student and changes no variable while grading).
Credentials are not concerned: botocore's credential chain keeps its own lookups.
"""

from __future__ import annotations

import os
from typing import Any

import botocore.session
from botocore.configprovider import EnvironmentProvider


def install(core: botocore.session.Session) -> None:
    """Make `core`'s configuration read one snapshot of the environment (see the module doc)."""
    snapshot = dict(os.environ)
    store = core.get_component("config_store")
    for provider in store._mapping.values():
        _point(provider, snapshot)


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
