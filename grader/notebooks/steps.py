"""The credit notebook's workflow steps (split, one-hot, scale, binary_classifier, report,
confusion matrix, endpoint deleted), each with the place it was found.

A step counts only where it is really done (../shared/spec/rubric-sagemaker-13.2.md, after the
notebook table): in a code cell that was executed, by a call that does the step. Each executed
cell is parsed (`ast`, linear in its size; IPython `%magic` and `!shell` lines are blanked
first); a cell that cannot be parsed does nothing (e.g. `X_scaled = # YOUR CODE GOES HERE!`).
Constructing a scaler or an encoder is not scaling or encoding: the step needs the object's
`fit_transform`/`transform` called in an executed cell too (or a function that does it at
once: `scale(...)`, `normalize(...)`, `get_dummies(...)`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from grader.notebooks.metrics import ClassificationMetrics
from grader.notebooks.model import AST_LOCK, ERROR, CodeCell, Notebook, Place

STEP_NAMES = {
    "split": "splits the data into training and testing sets",
    "one_hot": "one-hot encodes the categorical features",
    "scale": "scales the features",
    "binary_classifier": "trains linear-learner with predictor_type binary_classifier",
    "classification_report": "prints a classification report",
    "confusion_matrix": "prints a confusion matrix",
    "delete_endpoint": "deletes the endpoint in an executed cell",
}

_SPLITTERS = {"train_test_split", "ShuffleSplit", "StratifiedShuffleSplit", "KFold", "StratifiedKFold"}
_ENCODERS = {"OneHotEncoder"}
_SCALERS = {"StandardScaler", "MinMaxScaler", "RobustScaler", "MaxAbsScaler", "Normalizer"}
_TRANSFORMS = {"fit_transform", "transform"}
_DELETES = {"delete_endpoint", "delete_predictor"}


@dataclass(frozen=True)
class Steps:
    """Each workflow step: the place it was found (None when not found) and a note."""

    found: dict[str, Place | None]
    notes: dict[str, str]

    @property
    def count(self) -> int:
        return sum(1 for p in self.found.values() if p is not None)

    def evidence(self) -> dict[str, str]:
        out = {}
        for step, place in self.found.items():
            note = f" ({self.notes[step]})" if step in self.notes else ""
            out[step] = (str(place) + note) if place is not None else "not found" + note
        return out


# Words without which a cell does none of the steps: a cell holding none is not parsed at all.
_KEYWORDS = ("split", "fold", "sample", "dummies", "one_hot", "onehot", "scale", "normali", "transform", "report",
             "confusion", "crosstab", "from_predictions", "from_estimator", "delete_")
# A cell with more code than this is not parsed whole (parsing costs about 1 s per 300 KB): each of
# its lines holding a keyword must parse on its own to count. Lesson cells are under 2 KB.
MAX_PARSED = 32 * 1024
MAX_LINES_PARSED = 200  # of such a cell: keyword lines parsed, at most (one is enough to credit a step)


def parsed(cell: CodeCell) -> ast.Module | None:
    """The cell's code as a syntax tree, or None when it cannot be parsed (it does nothing).
    IPython `%magic` and `!shell` lines are blanked first. A cell over MAX_PARSED characters:
    the tree of those of its lines that hold a step keyword and parse alone (the first
    MAX_LINES_PARSED such lines)."""
    lines = ["pass" if line.lstrip()[:1] in ("%", "!") else line for line in cell.source.split("\n")]
    if len(cell.source) > MAX_PARSED:
        body: list[ast.stmt] = []
        tried = 0
        for line in lines:
            low = line.lower()
            if tried < MAX_LINES_PARSED and any(k in low for k in _KEYWORDS):
                tried += 1
                if (tree := _parse(line.strip())) is not None:
                    body.extend(tree.body)
        return ast.Module(body=body, type_ignores=[]) if body else None
    return _parse("\n".join(lines))


def _parse(text: str) -> ast.Module | None:
    try:
        with AST_LOCK:  # CPython 3.11: not on two threads at once (model.AST_LOCK)
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _relevant(cell: CodeCell) -> bool:
    low = cell.code.lower()
    return any(k in low for k in _KEYWORDS) or "predictor_type" in low


def calls(tree: ast.AST) -> list[tuple[str, str, ast.Call]]:
    """(called name, the name of the object it is called on or "", the call) for every call."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name):
                out.append((f.id, "", node))
            elif isinstance(f, ast.Attribute):
                owner = f.value.id if isinstance(f.value, ast.Name) else ""
                out.append((f.attr, owner, node))
    return out


def _step_of(name: str, owner: str, node: ast.Call) -> str | None:
    if name in _SPLITTERS or (name == "split" and owner in ("np", "numpy")) or (
            name == "sample" and any(k.arg == "frac" for k in node.keywords)):
        return "split"
    if name in ("get_dummies", "one_hot"):
        return "one_hot"
    if (name == "scale" and owner in ("", "preprocessing")) or name == "normalize":
        return "scale"
    if name == "classification_report":
        return "classification_report"
    if name in ("confusion_matrix", "crosstab", "from_predictions", "from_estimator", "ConfusionMatrixDisplay"):
        return "confusion_matrix"
    if name in _DELETES:
        return "delete_endpoint"
    return None


def workflow_steps(nb: Notebook, predictor_types: tuple[tuple[str, Place], ...],
                   metrics: ClassificationMetrics) -> Steps:
    """The steps found in `nb`, given the predictor types and metrics already read from it."""
    found: dict[str, Place | None] = dict.fromkeys(STEP_NAMES)
    notes: dict[str, str] = {}
    working: set[int] = set()  # cell numbers of executed cells that parse and hold code
    direct: dict[str, list[CodeCell]] = {}
    built: dict[str, CodeCell] = {}  # "scale" / "one_hot": the first cell constructing the object
    transforms: list[CodeCell] = []
    unparsable: list[CodeCell] = []
    for cell in nb.code_cells:
        if not cell.holds_code:
            continue
        if not _relevant(cell):  # nothing to credit; it counts as working if it ran
            if cell.execution_count is not None:
                working.add(cell.number)
            continue
        tree = parsed(cell)
        if tree is None:
            if cell.holds_code:
                unparsable.append(cell)
            continue
        if cell.execution_count is None:
            if any(name in _DELETES for name, _, _ in calls(tree)):
                direct.setdefault("delete_endpoint (not run)", []).append(cell)
            continue
        working.add(cell.number)
        for name, owner, node in calls(tree):
            step = _step_of(name, owner, node)
            if step is not None:
                direct.setdefault(step, []).append(cell)
            if name in _SCALERS:
                built.setdefault("scale", cell)
            elif name in _ENCODERS:
                built.setdefault("one_hot", cell)
            elif name in _TRANSFORMS:
                transforms.append(cell)
    for step in ("split", "one_hot", "scale"):
        cell = (direct.get(step) or [None])[0]
        if cell is None and step in built:
            cell = next((t for t in transforms if t.index >= built[step].index), None)
            if cell is None:
                notes[step] = f"{built[step].label} only constructs the object; nothing is transformed with it"
        found[step] = nb.place(cell, "code") if cell else None
    found["binary_classifier"] = next((p for t, p in predictor_types if t == "binary_classifier"
                                       and p.cell in working), None)
    report = next((p for _, p in metrics.reports if p.cell in working), None)
    cell = next((c for c in direct.get("classification_report", [])
                 if any(o.kind != ERROR and (o.text or o.html) for o in c.outputs)), None)
    found["classification_report"] = report or (nb.place(cell, "code") if cell else None)
    matrix = next((p for _, p in metrics.matrices if p.cell in working), None)
    cell = next((c for c in direct.get("confusion_matrix", []) if any(o.kind != ERROR for o in c.outputs)), None)
    found["confusion_matrix"] = matrix or (nb.place(cell, "code") if cell else None)
    ran = direct.get("delete_endpoint", [])
    if ran:
        cell = ran[-1]
        found["delete_endpoint"] = nb.place(cell, "code")
        errors = [o.ename for o in cell.outputs if o.kind == ERROR]
        if errors:
            notes["delete_endpoint"] = f"the cell ended in {errors[0]}: was the endpoint already deleted?"
    elif direct.get("delete_endpoint (not run)"):
        notes["delete_endpoint"] = f"the code is in {direct['delete_endpoint (not run)'][0].label} but that cell was never run"
    missing = [s for s, p in found.items() if p is None and s not in notes]
    if missing and unparsable:
        notes[missing[0]] = (f"{unparsable[0].label} cannot be parsed as Python (a placeholder left in?), so it does "
                             "nothing")
    return Steps(found, notes)
