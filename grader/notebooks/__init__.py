"""The notebook reader: a submission folder in, facts for the notebook checks out.

    from grader.notebooks import read_submission
    sub = read_submission(Path("submissions/s01"))
    sub.credit.ok, sub.credit.problem        # found and readable? else the one-line reason
    sub.credit.execution.unexecuted          # code cells without an execution count
    sub.credit.credit.figures                # every accuracy figure, with its cell
    sub.mentioned_buckets()                  # [Mention(name, places)], cheap, cached

One reader for every check (style principle 7): checks never touch raw notebook JSON. Reading
never raises for a student's file (see `grader.notebooks.reader` for the rules and the size
limit); `read_submission` raises nothing either: a missing notebook is a `Notebook` whose
`problem` says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.notebooks.mentions import Mention, merge
from grader.notebooks.model import CodeCell, Notebook, Output, Place
from grader.notebooks.reader import (
    LESSON_NOTEBOOKS,
    MAX_BYTES,
    find_notebooks,
    other_notebooks,
    parse_notebook,
    read_notebook,
)


@dataclass
class Submission:
    """The lesson's two notebooks as found in one student's folder."""

    folder: Path
    rainfall: Notebook
    credit: Notebook
    _mentions: dict[str, list[Mention]] = field(default_factory=dict, repr=False)

    @property
    def notebooks(self) -> dict[str, Notebook]:
        """Role ("rainfall", "credit") -> Notebook."""
        return {"rainfall": self.rainfall, "credit": self.credit}

    def notebook(self, role: str) -> Notebook:
        return self.notebooks[role]

    def mentioned_buckets(self) -> list[Mention]:
        """S3 bucket names the two notebooks mention (code and outputs), with where, first seen first.

        Private-bucket route (1) of the rubric: a bucket named here that exists in the account.
        Computed once per submission (a regex pass over the already-parsed cells) and cached.
        Unreadable or missing notebooks contribute nothing.
        """
        if "buckets" not in self._mentions:
            self._mentions["buckets"] = merge([self.rainfall, self.credit], "buckets")
        return list(self._mentions["buckets"])

    def mentioned_training_jobs(self) -> list[Mention]:
        """SageMaker training-job names the two notebooks mention, with where (cached)."""
        if "jobs" not in self._mentions:
            self._mentions["jobs"] = merge([self.rainfall, self.credit], "jobs")
        return list(self._mentions["jobs"])

    def describe(self) -> dict[str, Any]:
        return {role: nb.describe() for role, nb in self.notebooks.items()}


_CANDIDATES = 5  # files matching one notebook's name that are read to choose between them


def _best(candidates: list[Notebook]) -> Notebook:
    """Of several files matching a name (a download `(1)` next to the original...), the one to
    grade: readable first, then the one with the most executed code cells, then the best-named
    (`find_notebooks` order: nearest the top, no copy suffix, newest)."""
    return max(enumerate(candidates), key=lambda ic: (ic[1].ok, ic[1].execution.executed if ic[1].ok else 0,
                                                      -ic[0]))[1]


def read_submission(folder: Path) -> Submission:
    """Find and read the lesson's notebooks in `folder` (never raises for the files' content)."""
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
    return Submission(folder=folder, rainfall=notebooks["rainfall"], credit=notebooks["credit"])


__all__ = [
    "LESSON_NOTEBOOKS",
    "MAX_BYTES",
    "CodeCell",
    "Mention",
    "Notebook",
    "Output",
    "Place",
    "Submission",
    "parse_notebook",
    "read_notebook",
    "read_submission",
]
