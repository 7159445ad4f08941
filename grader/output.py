"""Writing files safely: atomically (temp file + rename), so nothing written before is lost
or left half-written, and student ids made safe as folder names."""

from __future__ import annotations

import os
import re
import tempfile
import threading
import unicodedata
from pathlib import Path

from grader.errors import InputError

_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def _umask() -> int:
    """The process's umask (read without changing it where /proc says it; else set and restore)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


_UMASK_LOCK = threading.Lock()


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a part.
    The file's mode follows the umask like any other tool's (0644 under the usual 022), not
    the 0600 of a temporary file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())
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
    text = text.lstrip("._-").rstrip("._") or "student"  # "-rf" would read as an option in a shell
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


def check_out_dir(out: Path, names: tuple[str, ...] = ("report.json",), *, create: bool = True) -> Path:
    """`--out` made ready before any grading: a folder (created when missing, unless `create` is
    false: then its nearest existing parent must be a writable folder) that this process can
    write files into, where none of `names` (the files and folders the command writes) is in
    the way. InputError naming the problem otherwise (a file given as the folder, /proc, a
    read-only folder, a folder where report.json should go)."""
    out = Path(out)
    if not create and not out.exists():
        parent = next((p for p in out.absolute().parents if p.exists()), Path("/"))
        if not parent.is_dir():
            raise InputError(f"--out {out}: {parent} is a file, not a folder")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise InputError(f"--out {out}: cannot create the folder ({parent} is not writable)")
        return out
    out = ensure_out_dir(out)
    for name in names:
        target = out / name
        is_folder = "." not in name  # "students", "executed": folders; "report.json": files
        if target.exists() and target.is_dir() != is_folder:
            what = "a folder" if target.is_dir() else "a file"
            raise InputError(f"--out {out}: {target} is {what}, where the grader writes its {name}; "
                             "move it away or choose another --out")
    try:
        fd, probe = tempfile.mkstemp(dir=out, prefix=".grader-probe-", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"--out {out}: cannot write files in this folder ({exc.strerror or exc})") from None
    os.close(fd)
    try:
        os.unlink(probe)
    except OSError:
        pass
    return out
