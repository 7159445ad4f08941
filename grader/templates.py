"""`grader templates`: copy the lesson's starter notebooks and their data out of the package.

The starter notebooks (SageMaker SDK 2) and the data files live in the installed package
`student_templates`; a student or TA gets a working copy with `grader templates --out DIR`.
Existing files are never overwritten (a student's work in progress may be there).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from grader.errors import InputError
from grader.output import atomic_write, ensure_out_dir

FILES = (
    "rainfall_forecast.ipynb",
    "credit-risk-classification.ipynb",
    "README.md",
    "data/README.md",
    "data/german_credit_data.csv",
    "data/x_austin_final.csv",
    "data/y_austin_final.csv",
)


def copy_templates(out: Path) -> list[Path]:
    """Copy the starter files into `out`; raise InputError before writing if any already exists."""
    out = ensure_out_dir(out)
    targets = [out / name for name in FILES]
    existing = [str(t) for t in targets if t.exists()]
    if existing:
        raise InputError(f"templates: {existing[0]} already exists; choose an empty --out folder")
    root = resources.files("student_templates")
    for name, target in zip(FILES, targets, strict=True):
        atomic_write(target, root.joinpath(name).read_bytes())
    return targets
