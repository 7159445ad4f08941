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

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from grader.notebooks.finding import LESSON_NOTEBOOKS, find_notebooks, name_key, other_notebooks
from grader.notebooks.model import DISPLAY, ERROR, RESULT, STDERR, STDOUT, CodeCell, Notebook, Output
from grader.notebooks.text import clean_text

log = logging.getLogger(__name__)

__all__ = ["LESSON_NOTEBOOKS", "MAX_BYTES", "find_notebooks", "name_key", "other_notebooks", "parse_notebook",
           "read_lesson_notebooks", "read_notebook"]

#: The biggest notebook file read (20 MB). Executed lesson notebooks are 50 KB to 2 MB; a file
#: above this almost always embeds large images or data frames, and reading it would only
#: slow the run down. Such a file is a `problem` ("clear the large outputs and save again").
MAX_BYTES = 20 * 1024 * 1024

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
            nb = _best([read_notebook(p, role=role, expected_name=expected, folder=folder)
                        for p in paths[:_CANDIDATES]])
            nb.alternatives = tuple(str(p) for p in paths[:6] if p != nb.path)
        notebooks[role] = nb
    return notebooks


# -- reading ---------------------------------------------------------------------------------
class _Bad(Exception):
    """A notebook problem: the message is the one-line reason shown to the student; `kind` names
    the problems that need their own advice (`Notebook.problem_kind`)."""

    def __init__(self, message: str, kind: str | None = None):
        super().__init__(message)
        self.kind = kind


LFS_POINTER = b"version https://git-lfs.github.com/spec/"
OUTSIDE_LINK = "outside-link"


def read_notebook(path: Path, role: str = "", expected_name: str = "", folder: Path | None = None) -> Notebook:
    """Read one notebook file into facts. Never raises: problems go into `Notebook.problem`.

    A symbolic link is followed only when its real target is inside `folder` (the submission
    folder; when given): a link to a file outside it (a zip unpacked with links into a
    classmate's folder) is not read, its problem says where it points (`problem_kind`
    "outside-link"), and the evidence shows the real target either way."""
    nb = Notebook(role=role, expected_name=expected_name or path.name, path=path)
    try:
        if path.is_file() or path.is_dir():  # else _read_bytes says what it is (a device, a FIFO...)
            _check_link(nb, path, folder)
        data = _read_bytes(path)
        _fill(nb, parse_json(data))
    except _Bad as exc:
        nb.problem = f"{path.name}: {exc}"
        nb.problem_kind = exc.kind
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
        nb.problem_kind = exc.kind
    except Exception as exc:  # noqa: BLE001
        log.exception("unexpected failure parsing %s", name)
        nb.problem = f"{name}: could not be read ({type(exc).__name__}: {str(exc)[:120]})"
    if nb.problem:
        nb.cells = ()
    return nb


def _too_big(size: int) -> str:
    return (f"the file is {size / 1048576:.1f} MB, over the {MAX_BYTES // 1048576} MB limit for notebooks "
            "(clear large outputs, e.g. printed data frames or images, and save it again)")


def _check_link(nb: Notebook, path: Path, folder: Path | None) -> None:
    """Record where a symbolic link really points; _Bad when that is outside `folder`. A link
    anywhere below the folder counts (a linked subfolder too): real paths are compared."""
    try:
        real = path.resolve(strict=False)
        root = Path(folder).resolve(strict=False) if folder is not None else None
        if root is not None and path.is_relative_to(folder):
            linked = real != root / path.relative_to(folder)  # type: ignore[arg-type]
        else:
            linked = path.is_symlink()
    except (OSError, RuntimeError, ValueError):  # a link loop
        raise _Bad("a symbolic link that cannot be resolved (a loop?): not read", OUTSIDE_LINK) from None
    if not linked:
        return
    nb.link_target = str(real)
    if root is not None and not real.is_relative_to(root):
        raise _Bad(f"a symbolic link to {real}, outside the submission folder: not read (a notebook must be the "
                   "student's own file in their folder)", OUTSIDE_LINK)


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
    if data.lstrip()[:len(LFS_POINTER)] == LFS_POINTER:
        raise _Bad("a Git LFS pointer file, not the notebook: the repository keeps the real notebook in Git LFS, and "
                   "only this small pointer was handed in; submit the real .ipynb file (e.g. `git lfs pull`, or "
                   "download it from the repository's web page)", "lfs-pointer")
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


def _blobs(data: dict[str, Any]) -> tuple[str, ...]:
    """A digest of each image in an output's data (base64 text as stored): what identifies a plot."""
    out = []
    for mime, value in data.items():
        if isinstance(mime, str) and mime.startswith("image/"):
            try:
                text = _multiline(value, mime)
            except _Bad:
                continue
            out.append(f"{mime}:{hashlib.sha256(''.join(text.split()).encode('utf-8', 'surrogatepass')).hexdigest()}")
    return tuple(out)


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
            blobs=_blobs(data),
        )
    if otype in ("error", "pyerr"):
        ename = out.get("ename")
        evalue = out.get("evalue")
        ename = clean_text(ename) if isinstance(ename, str) else "Error"
        evalue = clean_text(evalue) if isinstance(evalue, str) else ""
        return Output(ERROR, text=f"{ename}: {evalue}".strip().rstrip(":"), ename=ename, evalue=evalue)
    return None  # unknown output types (widgets, future kinds) carry nothing the grader reads
