"""The one adapter between reproduction and the notebook reader (`grader.notebooks`): finding
the lesson's notebooks, and reading the figures a notebook prints, with the reader's own parsers,
for the original and the re-executed notebooks alike. Every use of `grader.notebooks` by
`grader.reproduce` is here.

The figures are plain dicts (JSON-safe, for evidence):
- credit: `accuracy` (the confusion matrix's when one is printed, else the last accuracy
  figure, as `nb-credit-accuracy` chooses), `accuracy_from`, `figures` (every accuracy figure),
  `minority_class`, `minority_share` (share of test rows predicted as the minority class, from the
  last confusion matrix, else the last classification report), `test_rows`;
- rainfall: `rmse`, `r2` (the last finite values printed), with where they were read.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from grader.notebooks import LESSON_NOTEBOOKS, Notebook, parse_notebook
from grader.notebooks.facts import credit_facts, rainfall_facts
from grader.notebooks.reader import read_lesson_notebooks

ROLES = tuple(LESSON_NOTEBOOKS)  # ("rainfall", "credit")


def lesson_notebooks(folder: Path) -> dict[str, tuple[Path | None, str | None]]:
    """role -> (the notebook file to re-execute, or None; the reader's problem, or None)."""
    out: dict[str, tuple[Path | None, str | None]] = {}
    for role, nb in read_lesson_notebooks(Path(folder)).items():
        out[role] = (nb.path if nb.path is not None and nb.path.is_file() else None, nb.problem)
    return out


def expected_name(role: str) -> str:
    return LESSON_NOTEBOOKS[role]


def _parse(notebook: str | bytes, role: str) -> Notebook:
    return parse_notebook(notebook, name=LESSON_NOTEBOOKS[role], role=role)


def credit_figures(notebook: str | bytes) -> dict[str, Any]:
    """The accuracy figures a credit notebook (JSON text) prints."""
    nb = _parse(notebook, "credit")
    if not nb.ok:
        return {"problem": nb.problem}
    facts = credit_facts(nb)
    out: dict[str, Any] = {"accuracy": None, "figures": [f.evidence() for f in facts.figures[:12]]}
    if facts.figures:
        chosen = next((f for f in reversed(facts.figures) if f.kind == "confusion matrix"), None) or facts.figures[-1]
        out["accuracy"] = round(chosen.number.value, 6)
        out["accuracy_from"] = f"{chosen.kind} in {chosen.place}"
    if facts.matrices:
        cm, place = facts.matrices[-1]
        actual, predicted = cm.actual_counts(), cm.predicted_counts()
        minority = next((k for k in cm.classes if k.startswith("bad")), None) or min(actual, key=lambda k: (actual[k], k))
        out.update(minority_class=cm.display.get(minority, minority), test_rows=cm.total,
                   minority_share=round(predicted[minority] / cm.total, 4) if cm.total else None,
                   minority_from=f"confusion matrix in {place}")
    else:
        report = next(((r, p) for r, p in reversed(facts.reports) if len(r.classes) >= 2), None)
        if report is not None:
            rep, place = report
            row = next((r for r in rep.classes if r.label.lower().startswith("bad")), None) or min(
                rep.classes, key=lambda r: r.support)
            count = rep.predicted_counts().get(row.label)
            total = rep.total_support
            out.update(minority_class=row.label, test_rows=total,
                       minority_share=round(count / total, 4) if count is not None and total else None,
                       minority_from=f"classification report in {place}")
    return out


def rainfall_figures(notebook: str | bytes) -> dict[str, Any]:
    """The RMSE and R² a rainfall notebook (JSON text) prints."""
    nb = _parse(notebook, "rainfall")
    if not nb.ok:
        return {"problem": nb.problem}
    facts = rainfall_facts(nb)
    out: dict[str, Any] = {"rmse": None, "r2": None}
    for key, found in (("rmse", facts.rmse), ("r2", facts.r2)):
        valid = [(f, p) for f, p in found if math.isfinite(f.value)]
        if valid:
            f, place = valid[-1]
            out[key] = f.value
            out[f"{key}_from"] = f"{f.line.strip()[:80]!r} in {place}"
    return out


def figures(notebook: str | bytes, role: str) -> dict[str, Any]:
    return credit_figures(notebook) if role == "credit" else rainfall_figures(notebook)
