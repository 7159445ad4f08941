"""What one notebook is, as plain data: its code cells, their outputs, and where each was found.

Made by `grader.notebooks.reader`; nothing here knows any analysis. The derived facts (metrics,
steps, names mentioned, execution order) are computed once per submission by
`grader.notebooks.facts`, from these objects.

Cells are located for evidence as "cell N": the N-th cell from the top of the notebook,
counting markdown cells too (what a TA counts when scrolling), with the execution count when
there is one, e.g. "cell 14 (In [12])". `CodeCell.index` is the same position, 0-based.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from grader.notebooks.text import clean_text, strip_comments

# Output kinds, as `Output.kind`.
STDOUT = "stdout"
STDERR = "stderr"
RESULT = "execute_result"
DISPLAY = "display_data"
ERROR = "error"

# CPython 3.11 counts the recursion depth of turning a parse into Python objects per process,
# not per thread: two threads parsing at once (a batch's students, a Dask worker's tasks) fail
# with "SystemError: AST constructor recursion depth mismatch". Every ast.parse and
# ast.literal_eval of the notebooks package holds this lock (parsing holds the GIL anyway).
AST_LOCK = threading.Lock()


class Output:
    """One output of a code cell, normalised.

    `text` is the stream text (stdout/stderr) or the `text/plain` data (execute_result,
    display_data), with ANSI escapes removed and line ends made `\\n`; for an error it is
    "ename: evalue". `html` is the `text/html` data when there is one. `raw` is the text as
    stored; `text` is cleaned from it on first use (a training log can be most of a notebook's
    bytes, and most checks never need it cleaned).
    """

    __slots__ = ("kind", "raw", "html", "ename", "evalue", "blobs", "_text")

    def __init__(self, kind: str, text: str = "", html: str = "", ename: str = "", evalue: str = "",
                 blobs: tuple[str, ...] = ()):
        self.kind = kind
        self.blobs = blobs  # "image/png:<sha256>" of each image the output holds (the images are not kept)
        self.raw = text
        self.html = html
        self.ename = ename
        self.evalue = evalue
        self._text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = clean_text(self.raw)
        return self._text

    @property
    def is_error(self) -> bool:
        return self.kind == ERROR

    def __repr__(self) -> str:
        shown = self.raw if len(self.raw) <= 60 else self.raw[:57] + "..."
        return f"Output({self.kind!r}, {shown!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Output):
            return NotImplemented
        return (self.kind, self.text, self.html, self.ename, self.evalue) == (
            other.kind, other.text, other.html, other.ename, other.evalue)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class CodeCell:
    """A code cell in document order: `index` is its 0-based position among all cells."""

    index: int
    source: str
    execution_count: int | None
    outputs: tuple[Output, ...] = ()

    @property
    def number(self) -> int:
        """The 1-based position of the cell in the notebook (markdown cells included)."""
        return self.index + 1

    @property
    def label(self) -> str:
        run = f"In [{self.execution_count}]" if self.execution_count is not None else "not run"
        return f"cell {self.number} ({run})"

    @property
    def is_empty(self) -> bool:
        return not self.source.strip()

    @cached_property
    def code(self) -> str:
        """The source without comments and blank lines (what the steps and names are read from)."""
        return strip_comments(self.source)

    @cached_property
    def holds_code(self) -> bool:
        """Whether the cell holds code that can produce something: not only comments, blank lines
        or placeholders (`...`, `pass`, `X = # YOUR CODE HERE` which leaves `X =`)."""
        return any(not _PLACEHOLDER_LINE.fullmatch(line.strip()) for line in self.code.split("\n") if line.strip())

    @property
    def outputs_without_code(self) -> bool:
        """Outputs shown under a cell that holds no code: no code of this cell produced them."""
        return bool(self.outputs) and not self.holds_code


# A line that does nothing (per line, so linear): `...`, `pass`, `None`, or an assignment with
# nothing on the right (`X_scaled =`, left by `X_scaled = # YOUR CODE GOES HERE!`), or to `...`.
_PLACEHOLDER_LINE = re.compile(r"(?:\.\.\.|pass|None|[\w.\[\]'\"]{1,200}(?:\s{0,9},\s{0,9}[\w.\[\]'\"]{1,200}){0,20}"
                               r"\s{0,9}=\s{0,9}(?:\.\.\.|None)?)")


@dataclass(frozen=True, slots=True)
class Place:
    """Where a fact was found: notebook file name, cell, and whether in its code or outputs."""

    notebook: str
    cell: int  # 1-based cell number
    execution_count: int | None
    part: str  # "code" | "output"

    def __str__(self) -> str:
        run = f"In [{self.execution_count}]" if self.execution_count is not None else "not run"
        return f"{self.notebook} cell {self.cell} ({run}) {self.part}"

    @classmethod
    def of(cls, notebook: str, cell: CodeCell, part: str) -> Place:
        return cls(notebook, cell.number, cell.execution_count, part)


@dataclass
class Notebook:
    """One of the lesson's notebooks as found in the submission folder.

    `problem` is a one-line reason when the notebook is missing or unreadable; then `cells`
    is empty and every notebook item about it fails with that reason.
    """

    role: str  # "rainfall" | "credit"
    expected_name: str
    path: Path | None = None
    problem: str | None = None
    nbformat: str | None = None  # e.g. "4.5"
    cells: tuple[CodeCell, ...] = ()
    n_cells: int = 0
    kernel: str | None = None
    alternatives: tuple[str, ...] = ()  # other files that matched the name, not used
    problem_kind: str | None = None  # what kind of problem: "lfs-pointer", "outside-link", or None
    link_target: str | None = None  # the real file, when the path found is a symbolic link

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def name(self) -> str:
        """The file name found (or the expected one when none was found)."""
        return self.path.name if self.path is not None else self.expected_name

    @property
    def code_cells(self) -> tuple[CodeCell, ...]:
        """Code cells with some source, in document order."""
        return tuple(c for c in self.cells if not c.is_empty)

    def place(self, cell: CodeCell, part: str = "output") -> Place:
        return Place.of(self.name, cell, part)

    def describe(self) -> dict[str, Any]:
        """What was read, for evidence."""
        out: dict[str, Any] = {"notebook": self.expected_name}
        if self.path is not None:
            out["file"] = str(self.path)
        if self.link_target is not None:
            out["link_target"] = self.link_target
        if self.problem:
            out["problem"] = self.problem
        else:
            out["nbformat"] = self.nbformat
            out["code_cells"] = len(self.code_cells)
        if self.alternatives:
            out["also_matching"] = list(self.alternatives)
        return out


__all__ = ["CodeCell", "Notebook", "Output", "Place"]
