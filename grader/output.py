"""Writing files safely: atomically (temp file + rename), so nothing written before is lost
or left half-written, and student ids made safe as folder names."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from grader.errors import InputError

_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8", "newline": ""})) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def safe_name(student_id: str) -> str:
    """A folder name for a student id: no separators, no dots-only names, no leading dash, no
    reserved names."""
    text = unicodedata.normalize("NFKC", student_id).strip()
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", text)
    text = text.strip("._").lstrip("-").strip("._") or "student"  # "-rf" would read as an option in a shell
    if text.lower().split(".")[0] in _RESERVED:
        text = f"_{text}"
    return text[:100]


def ensure_out_dir(out: Path) -> Path:
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out {out}: cannot create the folder ({exc.strerror})") from None
    return out
