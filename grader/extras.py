"""Optional parts of the install (pyproject's extras). The core grades; a command that needs more
(the demo's moto server and synthetic class, ...) calls `require_extra` first, so a missing part
is one line and exit 2 (an InputError), never an ImportError traceback."""

from __future__ import annotations

import importlib.util

from grader.errors import InputError

#: What each command's extra must make importable (top-level module names).
DEMO_MODULES = ("moto", "flask", "numpy", "pandas", "sklearn")
REPRODUCE_MODULES = ("nbclient", "ipykernel", "moto", "sklearn", "pandas", "sagemaker")


class MissingExtra(InputError):
    """A command needs an optional part of the install that is not there."""


def _importable(module: str) -> str | None:
    """None if `module` can be found, else why not."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError) as exc:
        return str(exc) or type(exc).__name__
    return None if spec is not None else f"No module named '{module}'"


def require_extra(extra: str, *modules: str, command: str | None = None) -> None:
    """Raise MissingExtra naming `extra` unless every one of `modules` is importable."""
    for module in modules:
        why = _importable(module)
        if why is not None:
            raise MissingExtra(f"grader {command or extra} needs the '{extra}' extra ({why}): "
                               f"pip install 'grader[{extra}]'")
