"""The notebook reader: a submission folder in, facts for the notebook checks out.

    from grader.notebooks import read_submission
    sub = read_submission(Path("submissions/s01"))
    sub.credit.notebook.ok               # found and readable? else `.problem`, the one-line reason
    sub.credit.execution.unexecuted      # code cells without an execution count
    sub.credit.figures                   # every accuracy figure, with its cell
    sub.mentioned_buckets                # bucket names the notebooks mention, first seen first

Layers, bottom up (each module imports only those below it):
`text` (ANSI, comments, numbers) → `model` (plain data: Notebook, CodeCell, Output, Place) →
`reader` (files → Notebooks) and `parsers.*` (text → metrics) → `execution`, `metrics`,
`mentions` → `steps` → `facts` (every derived fact, once per submission: `Submission`).

One reader for every check (style principle 7): checks never touch raw notebook JSON. Reading
never raises for a student's file (see `grader.notebooks.reader` for the rules and the size
limit); `read_submission` raises nothing either: a missing notebook is a `Notebook` whose
`problem` says so.
"""

from __future__ import annotations

from grader.notebooks.facts import CreditFacts, RainfallFacts, Submission, collect, read_submission
from grader.notebooks.mentions import Mention
from grader.notebooks.model import CodeCell, Notebook, Output, Place
from grader.notebooks.reader import LESSON_NOTEBOOKS, MAX_BYTES, parse_notebook, read_notebook

__all__ = [
    "LESSON_NOTEBOOKS",
    "MAX_BYTES",
    "CodeCell",
    "CreditFacts",
    "Mention",
    "Notebook",
    "Output",
    "Place",
    "RainfallFacts",
    "Submission",
    "collect",
    "parse_notebook",
    "read_notebook",
    "read_submission",
]
