"""Finding the lesson's notebooks in a submission folder, by name (see grader.notebooks.reader
for the rules); nothing here reads a notebook."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: The lesson's notebooks: role -> file name as the lesson ships it.
LESSON_NOTEBOOKS = {"rainfall": "rainfall_forecast.ipynb", "credit": "credit-risk-classification.ipynb"}

_MAX_DEPTH = 2  # subfolder levels searched below the submission folder
_MAX_ENTRIES = 5000  # directory entries looked at, at most (a whole home folder is not a submission)
_SKIP_DIRS = {".ipynb_checkpoints", "__macosx", "__pycache__", "node_modules", ".git", ".venv", "venv"}
_COPY_SUFFIX = re.compile(r"(?:\s*\(\d{1,3}\)|[\s_-]+copy\d{0,3}|[\s_-]+\d{1,2})+$")
_SEPARATORS = re.compile(r"[\s_.\-]+")


def name_key(filename: str) -> tuple[str, bool] | None:
    """The comparable key of a notebook file name and whether it had a copy suffix.

    >>> name_key("Credit_Risk-Classification (1).ipynb")
    ('creditriskclassification', True)
    """
    low = filename.strip().lower()
    if not low.endswith(".ipynb"):
        return None
    stem = low[: -len(".ipynb")].strip()
    bare = _COPY_SUFFIX.sub("", stem)
    return _SEPARATORS.sub("", bare), bare != stem


_KEYS = {role: name_key(name)[0] for role, name in LESSON_NOTEBOOKS.items()}  # type: ignore[index]


def role_of(filename: str) -> str | None:
    """The lesson notebook a file name stands for ("rainfall", "credit"), tolerantly, or None."""
    key = name_key(filename)
    return next((role for role, want in _KEYS.items() if key is not None and key[0] == want), None)


def _walk(folder: Path) -> Iterator[tuple[Path, int]]:
    """(path, depth) of every entry named *.ipynb (files and folders), breadth first, bounded."""
    seen = 0
    level = [folder]
    for depth in range(_MAX_DEPTH + 1):
        nxt = []
        for d in level:
            try:
                entries = sorted(os.scandir(d), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                seen += 1
                if seen > _MAX_ENTRIES:
                    return
                name = entry.name
                if name.lower().endswith(".ipynb"):
                    yield Path(entry.path), depth
                    continue
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    is_dir = False
                if is_dir and not name.startswith(".") and name.lower() not in _SKIP_DIRS:
                    nxt.append(Path(entry.path))
        level = nxt


def find_notebooks(folder: Path) -> dict[str, list[Path]]:
    """For each lesson role, the matching paths, best first."""
    found: dict[str, list[tuple[tuple[Any, ...], Path]]] = {role: [] for role in LESSON_NOTEBOOKS}
    for path, depth in _walk(folder):
        role = role_of(path.name)
        if role is None:
            continue
        try:
            st = path.stat()
            is_file = path.is_file()
            mtime = st.st_mtime
        except OSError:
            is_file, mtime = False, 0.0
        found[role].append(((not is_file, depth, name_key(path.name)[1], -mtime, str(path)), path))  # type: ignore[index]
    return {role: [p for _, p in sorted(items)] for role, items in found.items()}


def other_notebooks(folder: Path, limit: int = 5) -> list[str]:
    """Names of the notebooks in the folder (for a "not found" message), at most `limit`."""
    try:
        return [str(p.relative_to(folder)) for p, _ in _walk(folder)][:limit]
    except (OSError, ValueError):
        return []


