"""Small formatting helpers for evidence, shared by the derived facts and the checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def when(value: Any) -> str | None:
    """A timestamp as ISO text for evidence."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return None if value is None else str(value)


def stamp(value: Any) -> float:
    """A timestamp as seconds, for ordering (0 when there is none)."""
    return value.timestamp() if isinstance(value, datetime) else 0.0
