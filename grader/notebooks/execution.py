"""How a notebook was run: code cells never run, cells run out of order, error outputs."""

from __future__ import annotations

from dataclasses import dataclass

from grader.notebooks.model import ERROR, CodeCell, Notebook, Output


@dataclass(frozen=True)
class Execution:
    """How the notebook was run: un-run code cells, order breaks, error outputs."""

    code_cells: int
    unexecuted: tuple[CodeCell, ...]
    out_of_order: tuple[tuple[CodeCell, CodeCell], ...]  # (earlier cell, later cell with a lower count)
    errors: tuple[tuple[CodeCell, Output], ...]
    no_code: tuple[CodeCell, ...] = ()  # cells with outputs but no code behind them (comments, placeholders)

    @property
    def executed(self) -> int:
        return self.code_cells - len(self.unexecuted)


def execution_of(nb: Notebook) -> Execution:
    cells = nb.code_cells
    unexecuted = tuple(c for c in cells if c.execution_count is None)
    out_of_order = []
    last: CodeCell | None = None
    for c in cells:
        if c.execution_count is None:
            continue
        if last is not None and c.execution_count <= last.execution_count:  # type: ignore[operator]
            out_of_order.append((last, c))
        last = c
    errors = tuple((c, o) for c in nb.cells for o in c.outputs if o.kind == ERROR)
    no_code = tuple(c for c in nb.cells if c.outputs_without_code)
    return Execution(len(cells), unexecuted, tuple(out_of_order), errors, no_code)
