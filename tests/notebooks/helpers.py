"""Small builders shared by the notebook tests (cells and notebooks as plain JSON-ready dicts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.notebooks import CreditFacts, Notebook, RainfallFacts, parse_notebook
from grader.notebooks.facts import credit_facts, rainfall_facts


def stdout(text: str) -> dict[str, Any]:
    return {"output_type": "stream", "name": "stdout", "text": text}


def stderr(text: str) -> dict[str, Any]:
    return {"output_type": "stream", "name": "stderr", "text": text}


def result(plain: str, html: str | None = None, n: int | None = 1) -> dict[str, Any]:
    data = {"text/plain": plain}
    if html is not None:
        data["text/html"] = html
    return {"output_type": "execute_result", "data": data, "metadata": {}, "execution_count": n}


def error(ename: str = "ClientError", evalue: str = "boom") -> dict[str, Any]:
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": [f"\x1b[0;31m{ename}\x1b[0m"]}


def code(source: str, *outputs: dict[str, Any], n: int | None = None) -> dict[str, Any]:
    return {"cell_type": "code", "metadata": {}, "source": source, "execution_count": n, "outputs": list(outputs)}


def md(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def notebook(*cells: dict[str, Any], minor: int = 4, number: bool = True, **top: Any) -> dict[str, Any]:
    """A notebook dict; with `number`, code cells without a count are numbered in order."""
    n = 0
    out = []
    for cell in cells:
        cell = dict(cell)
        if cell["cell_type"] == "code":
            if cell.get("execution_count") is None and number:
                cell["execution_count"] = n + 1
            n = cell["execution_count"] or n
        out.append(cell)
    return {"nbformat": 4, "nbformat_minor": minor, "metadata": {}, "cells": out, **top}


def parse(doc: Any, name: str = "credit-risk-classification.ipynb") -> Notebook:
    return parse_notebook(json.dumps(doc), name)


def credit(doc: Any, name: str = "credit-risk-classification.ipynb") -> CreditFacts:
    """The facts of a notebook dict read as the credit notebook."""
    return credit_facts(parse(doc, name))


def rainfall(doc: Any, name: str = "rainfall_forecast.ipynb") -> RainfallFacts:
    """The facts of a notebook dict read as the rainfall notebook."""
    return rainfall_facts(parse(doc, name))


def write(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path
