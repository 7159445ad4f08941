"""The credit notebook's workflow steps (split, one-hot, scale, binary_classifier, report,
confusion matrix, endpoint deleted), each with the place it was found."""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.notebooks.metrics import ClassificationMetrics
from grader.notebooks.model import ERROR, Notebook, Place

STEP_NAMES = {
    "split": "splits the data into training and testing sets",
    "one_hot": "one-hot encodes the categorical features",
    "scale": "scales the features",
    "binary_classifier": "trains linear-learner with predictor_type binary_classifier",
    "classification_report": "prints a classification report",
    "confusion_matrix": "prints a confusion matrix",
    "delete_endpoint": "deletes the endpoint in an executed cell",
}

_STEP_CODE = {
    "split": re.compile(r"train_test_split\s*\(|\.sample\s*\(\s*frac|np\.split\s*\(|ShuffleSplit|KFold\s*\("),
    "one_hot": re.compile(r"get_dummies\s*\(|OneHotEncoder\s*\(|one_hot\s*\("),
    "scale": re.compile(r"(?:StandardScaler|MinMaxScaler|RobustScaler|MaxAbsScaler|Normalizer)\s*\(|"
                        r"(?<![\w.])scale\s*\(|preprocessing\.scale\s*\(|normalize\s*\("),
    "classification_report": re.compile(r"classification_report\s*\("),
    "confusion_matrix": re.compile(r"confusion_matrix\s*\(|crosstab\s*\(|ConfusionMatrixDisplay"),
    "delete_endpoint": re.compile(r"delete_endpoint\s*\(|delete_predictor\s*\("),
}


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


def workflow_steps(nb: Notebook, predictor_types: tuple[tuple[str, Place], ...],
                   metrics: ClassificationMetrics) -> Steps:
    """The steps found in `nb`, given the predictor types and metrics already read from it."""
    found: dict[str, Place | None] = dict.fromkeys(STEP_NAMES)
    notes: dict[str, str] = {}
    cells = nb.code_cells
    for step in ("split", "one_hot", "scale"):
        cell = next((c for c in cells if _STEP_CODE[step].search(c.code)), None)
        found[step] = nb.place(cell, "code") if cell else None
    binary = next((p for t, p in predictor_types if t == "binary_classifier"), None)
    found["binary_classifier"] = binary
    if metrics.reports:
        found["classification_report"] = metrics.reports[0][1]
    else:
        cell = next((c for c in cells if _STEP_CODE["classification_report"].search(c.code)
                     and any(o.kind != ERROR and (o.text or o.html) for o in c.outputs)), None)
        found["classification_report"] = nb.place(cell, "code") if cell else None
    if metrics.matrices:
        found["confusion_matrix"] = metrics.matrices[0][1]
    else:
        cell = next((c for c in cells if _STEP_CODE["confusion_matrix"].search(c.code)
                     and any(o.kind != ERROR for o in c.outputs)), None)
        found["confusion_matrix"] = nb.place(cell, "code") if cell else None
    deletes = [c for c in cells if _STEP_CODE["delete_endpoint"].search(c.code)]
    ran = [c for c in deletes if c.execution_count is not None]
    if ran:
        cell = ran[-1]
        found["delete_endpoint"] = nb.place(cell, "code")
        errors = [o.ename for o in cell.outputs if o.kind == ERROR]
        if errors:
            notes["delete_endpoint"] = f"the cell ended in {errors[0]}: was the endpoint already deleted?"
    elif deletes:
        notes["delete_endpoint"] = f"the code is in {deletes[0].label} but that cell was never run"
    return Steps(found, notes)
