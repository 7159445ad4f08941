"""Check modules. Each module registers its checks with `grader.registry.check`; `load_checks`
imports every module of this package (those not starting with `_`) so that they register."""

from __future__ import annotations

import importlib
import pkgutil

from grader.registry import REGISTRY, CheckSpec

_loaded = False


def load_checks() -> dict[str, CheckSpec]:
    """Every registered check by id, after importing every check module once."""
    global _loaded
    if not _loaded:
        for mod in pkgutil.iter_modules(__path__):
            if not mod.name.startswith("_"):
                importlib.import_module(f"{__name__}.{mod.name}")
        _loaded = True
    return REGISTRY


def get_check(check_id: str) -> CheckSpec:
    return load_checks()[check_id]
