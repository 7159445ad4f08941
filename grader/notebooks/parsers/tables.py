"""Printed tables: DataFrame text/plain layouts and HTML `<table>`s (pandas' `to_html`) as `Grid`s."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from grader.notebooks.parsers.base import total
from grader.notebooks.text import parse_number

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Grid:
    """A printed table: column labels (None when unknown), axis names, labelled rows of cells."""

    col_labels: tuple[str, ...] | None
    col_name: str
    row_name: str
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    text: str


_SPLIT2 = re.compile(r"\s{2,}")


def _is_number(token: str) -> bool:
    return parse_number(token) is not None


def _data_row(line: str) -> tuple[str, list[str]] | None:
    """A DataFrame data row: an index label at column 0, then numeric cells."""
    if not line or line[0].isspace() or len(line) > 300:
        return None
    toks = _SPLIT2.split(line.strip())
    if len(toks) < 2 or not all(_is_number(t) for t in toks[1:]):
        return None
    return toks[0], toks[1:]


def _grid_at(lines: list[str], i: int) -> tuple[Grid | None, int]:
    header = lines[i]
    if not header.strip() or len(header) > 300:
        return None, i + 1
    htoks = _SPLIT2.split(header.strip())
    j = i + 1
    row_name = ""
    if (j + 1 < len(lines) and lines[j].strip() and not lines[j][0].isspace()
            and len(_SPLIT2.split(lines[j].strip())) == 1 and _data_row(lines[j + 1])):
        row_name = lines[j].strip()
        j += 1
    rows: list[tuple[str, tuple[str, ...]]] = []
    width = None
    while j < len(lines) and len(rows) < 60:
        row = _data_row(lines[j])
        if row is None or (width is not None and len(row[1]) != width):
            break
        width = len(row[1])
        rows.append((row[0], tuple(row[1])))
        j += 1
    if not rows or width is None:
        return None, i + 1
    if len(htoks) == width + 1:
        col_name, labels = htoks[0], tuple(htoks[1:])
    elif len(htoks) == width:
        col_name, labels = "", tuple(htoks)
    else:
        return None, i + 1
    return Grid(labels, col_name, row_name, tuple(rows), "\n".join(lines[i:j])), j


@total(list)
def find_text_grids(text: str) -> list[Grid]:
    """DataFrame-like tables in text/plain output (a header line, then labelled numeric rows)."""
    lines = text.split("\n")
    grids = []
    i = 0
    while i < len(lines):
        grid, nxt = _grid_at(lines, i)
        if grid is not None:
            grids.append(grid)
        i = max(nxt, i + 1)
    return grids


class _Tables(HTMLParser):
    """Collect the <table>s of an HTML output: rows of (is_header_cell, text), thead flag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[tuple[bool, list[tuple[bool, str]]]]] = []
        self._depth = 0
        self._in_head = False
        self._row: list[tuple[bool, str]] | None = None
        self._cell: list[str] | None = None
        self._cell_th = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "table":
            self._depth += 1
            if self._depth == 1 and len(self.tables) < 50:
                self.tables.append([])
        elif self._depth != 1 or not self.tables:
            return
        elif tag == "thead":
            self._in_head = True
        elif tag == "tbody":
            self._in_head = False
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell, self._cell_th = [], tag == "th"

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._depth = max(0, self._depth - 1)
        elif self._depth != 1 or not self.tables:
            return
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append((self._cell_th, " ".join("".join(self._cell).split())))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if len(self.tables[-1]) < 300:
                self.tables[-1].append((self._in_head, self._row))
            self._row = None
        elif tag == "thead":
            self._in_head = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@total(list)
def find_html_grids(html: str) -> list[Grid]:
    """The tables of an HTML output (pandas' `to_html` layout) as Grids."""
    if "<table" not in html.lower():
        return []
    parser = _Tables()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - HTMLParser on hostile markup: take what was parsed
        log.debug("HTML parser stopped", exc_info=True)
    grids = []
    for table in parser.tables:
        head = [cells for in_head, cells in table if in_head or all(th for th, _ in cells)]
        body = [cells for in_head, cells in table if not (in_head or all(th for th, _ in cells))]
        rows = []
        for cells in body:
            if len(cells) < 2:
                continue
            rows.append((cells[0][1], tuple(text for _, text in cells[1:])))
        if not rows:
            continue
        width = len(rows[0][1])
        if any(len(r[1]) != width for r in rows):
            continue
        labels: tuple[str, ...] | None = None
        col_name = row_name = ""
        if head:
            top = [text for _, text in head[0]]
            if len(top) == width + 1:
                col_name, labels = top[0], tuple(top[1:])
            elif len(top) == width:
                labels = tuple(top)
            if len(head) > 1:
                second = [text for _, text in head[1]]
                if second and second[0] and not any(second[1:]):
                    row_name = second[0]
        grids.append(Grid(labels, col_name, row_name, tuple(rows), ""))
    return grids


def grid_text(grid: Grid) -> str:
    """A grid as plain text (for evidence), when it was read from HTML."""
    head = "  ".join(([grid.col_name] if grid.col_name else []) + list(grid.col_labels or ()))
    body = "\n".join(f"{lab}  " + "  ".join(cells) for lab, cells in grid.rows)
    return f"{head}\n{body}".strip()
