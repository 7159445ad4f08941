"""Read a submission folder: find the lesson's notebooks by name, parse them into `Notebook`s.

Finding: `credit-risk-classification.ipynb` and `rainfall_forecast.ipynb` are matched
tolerantly: case, `-`/`_`/space/dot differences, and copy suffixes that browsers and Jupyter add
(`name (1).ipynb`, `name(2).ipynb`, `name-Copy1.ipynb`, `name copy.ipynb`, `name 2.ipynb`) do
not matter. The folder and its subfolders (two levels down; hidden folders,
`.ipynb_checkpoints` and `__MACOSX` skipped) are searched. When several files match one name, up
to five are read and the one graded is readable, then has the most executed code cells, then is
nearest the top, without a copy suffix, most recently modified; the others are named in evidence.

Reading: any nbformat 4.x file, minified or not, with or without cell ids, metadata or
kernelspec. The JSON is parsed with the standard library and only the structure the grader
uses is validated (no nbformat/jsonschema validation: it costs more than the parse itself).
A bad file never raises: it yields a `Notebook` whose `problem` says, in one line, what is
wrong (empty, not UTF-8, not JSON, truncated, an nbformat 3 file, a JSON array, nested too
deeply, bigger than `MAX_BYTES`, a folder with the notebook's name ...). Then every notebook
item about it fails with that reason; the other items are still graded.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from grader.notebooks.model import DISPLAY, ERROR, RESULT, STDERR, STDOUT, CodeCell, Notebook, Output
from grader.notebooks.text import clean_text

log = logging.getLogger(__name__)

#: The biggest notebook file read (20 MB). Executed lesson notebooks are 50 KB to 2 MB; a file
#: above this almost always embeds large images or data frames, and reading it would only
#: slow the run down. Such a file is a `problem` ("clear the large outputs and save again").
MAX_BYTES = 20 * 1024 * 1024

#: The lesson's notebooks: role -> file name as the lesson ships it.
LESSON_NOTEBOOKS = {"rainfall": "rainfall_forecast.ipynb", "credit": "credit-risk-classification.ipynb"}

_MAX_DEPTH = 2  # subfolder levels searched below the submission folder
_MAX_ENTRIES = 5000  # directory entries looked at, at most (a whole home folder is not a submission)
_SKIP_DIRS = {".ipynb_checkpoints", "__macosx", "__pycache__", "node_modules", ".git", ".venv", "venv"}
_COPY_SUFFIX = re.compile(r"(?:\s*\(\d{1,3}\)|[\s_-]+copy\d{0,3}|[\s_-]+\d{1,2})+$")
_SEPARATORS = re.compile(r"[\s_.\-]+")


# -- finding ---------------------------------------------------------------------------------
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
        key = name_key(path.name)
        if key is None:
            continue
        for role, want in _KEYS.items():
            if key[0] == want:
                try:
                    st = path.stat()
                    is_file = path.is_file()
                    mtime = st.st_mtime
                except OSError:
                    is_file, mtime = False, 0.0
                found[role].append(((not is_file, depth, key[1], -mtime, str(path)), path))
    return {role: [p for _, p in sorted(items)] for role, items in found.items()}


def other_notebooks(folder: Path, limit: int = 5) -> list[str]:
    """Names of the notebooks in the folder (for a "not found" message), at most `limit`."""
    try:
        return [str(p.relative_to(folder)) for p, _ in _walk(folder)][:limit]
    except (OSError, ValueError):
        return []


_CANDIDATES = 5  # files matching one notebook's name that are read to choose between them


def _best(candidates: list[Notebook]) -> Notebook:
    """Of several files matching a name (a download `(1)` next to the original...), the one to
    grade: readable first, then the one with the most executed code cells, then the best-named
    (`find_notebooks` order: nearest the top, no copy suffix, newest)."""
    def executed(nb: Notebook) -> int:
        return sum(1 for c in nb.code_cells if c.execution_count is not None) if nb.ok else 0

    return max(enumerate(candidates), key=lambda ic: (ic[1].ok, executed(ic[1]), -ic[0]))[1]


def read_lesson_notebooks(folder: Path) -> dict[str, Notebook]:
    """Role -> the lesson notebook found in `folder` (never raises for the files' content: a
    missing notebook is a `Notebook` whose `problem` says so)."""
    folder = Path(folder)
    try:
        found = find_notebooks(folder)
    except OSError:
        found = {role: [] for role in LESSON_NOTEBOOKS}
    notebooks = {}
    for role, expected in LESSON_NOTEBOOKS.items():
        paths = found.get(role, [])
        if not paths:
            others = other_notebooks(folder)
            seen = f" (found: {', '.join(others)})" if others else ""
            nb = Notebook(role=role, expected_name=expected,
                          problem=f"no notebook named like {expected} in {folder}{seen}")
        else:
            nb = _best([read_notebook(p, role=role, expected_name=expected) for p in paths[:_CANDIDATES]])
            nb.alternatives = tuple(str(p) for p in paths[:6] if p != nb.path)
        notebooks[role] = nb
    return notebooks


# -- reading ---------------------------------------------------------------------------------
class _Bad(Exception):
    """A notebook problem: the message is the one-line reason shown to the student."""


def read_notebook(path: Path, role: str = "", expected_name: str = "") -> Notebook:
    """Read one notebook file into facts. Never raises: problems go into `Notebook.problem`."""
    nb = Notebook(role=role, expected_name=expected_name or path.name, path=path)
    try:
        data = _read_bytes(path)
        _fill(nb, parse_json(data))
    except _Bad as exc:
        nb.problem = f"{path.name}: {exc}"
    except Exception as exc:  # noqa: BLE001 - a bad file must never sink the run
        log.exception("unexpected failure reading %s", path)
        nb.problem = f"{path.name}: could not be read ({type(exc).__name__}: {str(exc)[:120]})"
    if nb.problem:
        nb.cells = ()
    return nb


def parse_notebook(data: bytes | str, name: str = "notebook.ipynb", role: str = "") -> Notebook:
    """Parse notebook content already in memory (same rules as `read_notebook`)."""
    nb = Notebook(role=role, expected_name=name, path=None)
    try:
        raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
        if len(raw) > MAX_BYTES:
            raise _Bad(_too_big(len(raw)))
        _fill(nb, parse_json(raw))
    except _Bad as exc:
        nb.problem = f"{name}: {exc}"
    except Exception as exc:  # noqa: BLE001
        log.exception("unexpected failure parsing %s", name)
        nb.problem = f"{name}: could not be read ({type(exc).__name__}: {str(exc)[:120]})"
    if nb.problem:
        nb.cells = ()
    return nb


def _too_big(size: int) -> str:
    return (f"the file is {size / 1048576:.1f} MB, over the {MAX_BYTES // 1048576} MB limit for notebooks "
            "(clear large outputs, e.g. printed data frames or images, and save it again)")


def _read_bytes(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise _Bad("this is a folder with the notebook's name, not a notebook file")
        if not path.is_file():
            raise _Bad("not a regular file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _Bad(_too_big(size))
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except _Bad:
        raise
    except PermissionError:
        raise _Bad("permission denied when reading the file") from None
    except OSError as exc:
        raise _Bad(f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    if len(data) > MAX_BYTES:
        raise _Bad(_too_big(len(data)))
    return data


def parse_json(data: bytes) -> Any:
    """The JSON value of a notebook file's bytes, or _Bad with the reason."""
    if not data.strip():
        raise _Bad("the file is empty" + (f" ({len(data)} bytes of blank space)" if data else " (0 bytes)"))
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(data) > 3 and (data[0] == 0 or data[1] == 0)):
        raise _Bad("the file is UTF-16 text; notebooks are UTF-8 JSON (open it in Jupyter and save it again)")
    if data[:3] == b"\xef\xbb\xbf":  # a UTF-8 byte-order mark: harmless, some editors add it
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Bad(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                   "notebooks are UTF-8 JSON") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise _Bad("the JSON is nested too deeply to be a notebook") from None
    except json.JSONDecodeError as exc:
        stripped = text.rstrip()
        at_end = exc.pos >= len(stripped) - 1 or exc.msg.startswith("Unterminated string")
        if stripped[:1] in "{[" and exc.msg != "Extra data" and (at_end or stripped[-1:] not in "}]"):
            raise _Bad(f"the file is truncated: its JSON stops at line {exc.lineno} before the notebook ends "
                       "(an interrupted download or upload?)") from None
        raise _Bad(f"not valid notebook JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except ValueError as exc:  # e.g. an integer with too many digits
        raise _Bad(f"not valid notebook JSON ({str(exc)[:100]})") from None


def _fill(nb: Notebook, doc: Any) -> None:
    """Validate the parts of the notebook structure the grader uses, and keep its code cells."""
    if not isinstance(doc, dict):
        kind = {list: "a JSON array", str: "a JSON string", bool: "a JSON boolean", type(None): "JSON null"}.get(
            type(doc), "a JSON number")
        raise _Bad(f"{kind}, not a notebook (a notebook is a JSON object with 'nbformat' and 'cells')")
    major = doc.get("nbformat")
    if "nbformat" not in doc and "cells" not in doc:
        raise _Bad("a JSON object without 'nbformat' and 'cells': not a Jupyter notebook")
    if isinstance(major, bool) or not isinstance(major, int):
        raise _Bad(f"'nbformat' is {_short(major)}, not a version number")
    if major < 4:
        hint = " (IPython 2-era 'worksheets' layout)" if "worksheets" in doc else ""
        raise _Bad(f"an nbformat {major} notebook{hint}; only nbformat 4 is read (open it in Jupyter and save it "
                   "again to upgrade it)")
    if major > 4:
        raise _Bad(f"an nbformat {major} notebook; only nbformat 4 is read")
    minor = doc.get("nbformat_minor", 0)
    nb.nbformat = f"4.{minor}" if isinstance(minor, int) and not isinstance(minor, bool) else "4"
    cells = doc.get("cells")
    if not isinstance(cells, list):
        raise _Bad("'cells' is missing or not a list")
    meta = doc.get("metadata")
    if isinstance(meta, dict):
        spec = meta.get("kernelspec")
        if isinstance(spec, dict) and isinstance(spec.get("name"), str):
            nb.kernel = spec["name"]
    kept = []
    for i, cell in enumerate(cells):
        if not isinstance(cell, dict):
            raise _Bad(f"cell {i + 1} is {_short(cell)}, not a notebook cell")
        ctype = cell.get("cell_type")
        if not isinstance(ctype, str):
            raise _Bad(f"cell {i + 1} has no 'cell_type'")
        if ctype != "code":
            continue
        kept.append(_code_cell(i, cell))
    nb.cells = tuple(kept)
    nb.n_cells = len(cells)


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "missing"
    text = repr(value)
    return text if len(text) <= 30 else text[:29] + "\u2026"


def _multiline(value: Any, what: str) -> str:
    """nbformat's multiline string: a string or a list of strings."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        try:
            return "".join(value)
        except TypeError:
            pass
    if value is None:
        return ""
    raise _Bad(f"{what} is {_short(value)}, not text")


def _code_cell(i: int, cell: dict[str, Any]) -> CodeCell:
    where = f"cell {i + 1}"
    source = _multiline(cell.get("source", ""), f"{where} 'source'")
    count = cell.get("execution_count")
    if isinstance(count, bool) or not isinstance(count, int):
        if count is not None:
            raise _Bad(f"{where} has execution_count {_short(count)}, not a number")
        count = None
    raw_outputs = cell.get("outputs", [])
    if raw_outputs is None:
        raw_outputs = []
    if not isinstance(raw_outputs, list):
        raise _Bad(f"{where} 'outputs' is {_short(raw_outputs)}, not a list")
    outputs: list[Output] = []
    for j, out in enumerate(raw_outputs):
        if not isinstance(out, dict):
            raise _Bad(f"{where} output {j + 1} is {_short(out)}, not an output")
        made = _output(out, f"{where} output {j + 1}")
        if made is None:
            continue
        # Jupyter usually merges consecutive stream writes; do it when it did not.
        if outputs and made.kind in (STDOUT, STDERR) and outputs[-1].kind == made.kind:
            outputs[-1] = Output(made.kind, outputs[-1].raw + made.raw)
        else:
            outputs.append(made)
    return CodeCell(index=i, source=source, execution_count=count, outputs=tuple(outputs))


def _output(out: dict[str, Any], where: str) -> Output | None:
    otype = out.get("output_type")
    if otype == "stream":
        name = out.get("name")
        kind = STDERR if name == "stderr" else STDOUT
        return Output(kind, _multiline(out.get("text", ""), f"{where} 'text'"))
    if otype in ("execute_result", "display_data", "pyout"):
        data = out.get("data")
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise _Bad(f"{where} 'data' is {_short(data)}, not an object")
        text = data.get("text/plain")
        html = data.get("text/html")
        return Output(
            RESULT if otype != "display_data" else DISPLAY,
            text=_multiline(text, f"{where} text/plain") if text is not None else "",
            html=_multiline(html, f"{where} text/html") if html is not None else "",
        )
    if otype in ("error", "pyerr"):
        ename = out.get("ename")
        evalue = out.get("evalue")
        ename = clean_text(ename) if isinstance(ename, str) else "Error"
        evalue = clean_text(evalue) if isinstance(evalue, str) else ""
        return Output(ERROR, text=f"{ename}: {evalue}".strip().rstrip(":"), ename=ename, evalue=evalue)
    return None  # unknown output types (widgets, future kinds) carry nothing the grader reads
