"""The scratch folder one notebook runs in: a copy of the submission, the lesson's data at the
paths the notebook reads, the kernel's own code, and a HOME of its own.

    root/                      (a short path under the temp folder: Unix socket names must fit)
      nb/work/                 the submission folder, copied (symlinks are NOT copied: a link could
                               point at the caller's files); the notebook runs in its own folder here
      .sandbox/lib/_grader_kernel/   the kernel package (prelude, stand-in, formats, launcher)
      .sandbox/kernels/        the sandbox's kernel spec
      .sandbox/connection*.json, *-ipc-*   the kernel's Unix sockets
      home/                    HOME (empty .aws files, telemetry opt-out)
      tmp/                     TMPDIR

Data: every relative path the notebook's code names that ends in a lesson data file name
(`Data/german_credit_data.csv`, `../Resources/x_austin_final.csv`, `german_credit_data.csv`...),
and the usual folders (`data/`, `Data/`, `Resources/`...), get the file: the submission's own copy
when it has one (at that path, else anywhere in the folder), else the grader's
(`student_templates/data/`: the real German credit data, a SYNTHETIC Austin stand-in).
`Workspace.data` records where each file the notebook names came from.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import student_templates

LESSON_DATA = ("german_credit_data.csv", "x_austin_final.csv", "y_austin_final.csv")
SYNTHETIC = ("x_austin_final.csv", "y_austin_final.csv")
USUAL_FOLDERS = ("", "data", "Data", "Resources", "resources", "Resources/Data", "Resources/data")
_SKIP = {".ipynb_checkpoints", ".git", "__pycache__", "__MACOSX", ".venv", "venv", "node_modules"}
_MAX_COPY_BYTES = 200 * 1024 * 1024
_MAX_BASE = 60  # + /gr-XXXXXXXX/.sandbox/connection-ipc-NN fits a socket path
_LITERAL = re.compile(r"""(?:[rRbBuU]{0,2})(['"])([^'"\n]{1,300})\1""")
_FILE_LITERAL = re.compile(r"\.(csv|txt|json|xlsx?|parquet|npy|npz|pkl|data)$", re.IGNORECASE)


@dataclass
class Workspace:
    root: Path
    copy: Path  # the submission's copy
    workdir: Path  # the notebook's folder inside the copy (its cwd)
    notebook: Path  # the notebook's path inside the copy
    home: Path
    lib: Path  # the folder put on the kernel's sys.path
    sandbox: Path
    data: dict[str, str] = field(default_factory=dict)  # path as named -> "submission" | "grader" | ...
    absent: list[str] = field(default_factory=list)  # files the code names that are not there (yet)
    synthetic: bool = False  # the notebook reads the grader's synthetic Austin stand-in

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def shipped_data() -> Path:
    return student_templates.files() / "data"


def _ignore(folder: str, names: list[str]) -> set[str]:
    skipped = set()
    for name in names:
        path = os.path.join(folder, name)
        if name in _SKIP or os.path.islink(path):
            skipped.add(name)
        elif os.path.isfile(path) and os.path.getsize(path) > _MAX_COPY_BYTES:
            skipped.add(name)
    return skipped


def referenced_files(sources: list[str]) -> list[str]:
    """Relative file paths named by string literals in the code (what the notebook reads)."""
    found: list[str] = []
    for source in sources:
        for m in _LITERAL.finditer(source):
            text = m.group(2).strip()
            if "://" in text or text.startswith(("/", "~")) or not _FILE_LITERAL.search(text):
                continue
            if text not in found:
                found.append(text)
    return found


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def _own_copy(copy: Path, name: str) -> Path | None:
    for dirpath, dirnames, filenames in os.walk(copy):
        dirnames[:] = [d for d in dirnames if d not in _SKIP]
        if name in filenames:
            return Path(dirpath) / name
    return None


def _short(base: Path | None) -> str:
    """A folder short enough for the kernel's Unix socket paths (at most 107 bytes in all)."""
    for candidate in (base, tempfile.gettempdir(), "/tmp"):
        if candidate is not None and len(str(candidate)) <= _MAX_BASE and os.path.isdir(candidate):
            return str(candidate)
    return "/tmp"


def build(submission: Path, notebook: Path, sources: list[str], base: Path | None = None) -> Workspace:
    """Make the scratch folder for `notebook` (a file inside `submission`)."""
    root = Path(tempfile.mkdtemp(prefix="gr-", dir=_short(base)))
    copy = root / "nb" / "work"
    shutil.copytree(submission, copy, ignore=_ignore)
    rel = notebook.resolve().relative_to(submission.resolve())
    workdir = (copy / rel).parent
    sandbox = root / ".sandbox"
    lib = sandbox / "lib"
    kernel_pkg = lib / "_grader_kernel"
    kernel_pkg.mkdir(parents=True)
    here = Path(__file__).parent
    for src in (here / "kernel").glob("*.py"):
        shutil.copy2(src, kernel_pkg / src.name)
    shutil.copy2(here.parent / "recordio.py", kernel_pkg / "_recordio.py")
    (root / "tmp").mkdir()
    ws = Workspace(root=root, copy=copy, workdir=workdir, notebook=copy / rel, home=root / "home", lib=lib,
                   sandbox=sandbox)
    _place_data(ws, referenced_files(sources), any("austin" in s.lower() for s in sources))
    return ws


def _is_shipped_synthetic(path: Path) -> bool:
    """Is this file the grader's own synthetic Austin file (a student kept the starter's data/)?"""
    shipped = shipped_data() / path.name
    try:
        return path.name in SYNTHETIC and path.stat().st_size == shipped.stat().st_size and (
            path.read_bytes() == shipped.read_bytes())
    except OSError:
        return False


def _place_data(ws: Workspace, named: list[str], mentions_austin: bool) -> None:
    data = shipped_data()
    own = {name: _own_copy(ws.copy, name) for name in LESSON_DATA}
    for text in named:
        target = ws.workdir / text
        if not _inside(ws.root, target):
            ws.absent.append(text)
            continue
        name = Path(text).name
        if target.is_file():
            ws.data[text] = "submission" + (" (the grader's SYNTHETIC stand-in)" if _is_shipped_synthetic(target) else "")
        elif name in LESSON_DATA:
            target.parent.mkdir(parents=True, exist_ok=True)
            source = own[name] or data / name
            shutil.copy2(source, target)
            if own[name]:
                ws.data[text] = f"submission (copied from {own[name].relative_to(ws.copy)})" + (
                    " (the grader's SYNTHETIC stand-in)" if _is_shipped_synthetic(own[name]) else "")
            else:
                ws.data[text] = "grader" + (" (SYNTHETIC stand-in)" if name in SYNTHETIC else "")
        else:
            ws.absent.append(text)
    for folder in USUAL_FOLDERS:
        for name in LESSON_DATA:
            target = ws.workdir / folder / name
            if not target.exists() and _inside(ws.root, target):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(own[name] or data / name, target)
    read_austin = [t for t in named if Path(t).name in SYNTHETIC]
    if read_austin:
        ws.synthetic = any("SYNTHETIC" in ws.data.get(t, "") for t in read_austin)
    else:  # the names are built in code: the stand-in is read when the submission has no real copy
        ws.synthetic = mentions_austin and any(own[n] is None or _is_shipped_synthetic(own[n]) for n in SYNTHETIC)
