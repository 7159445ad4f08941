"""Build realistic *executed* notebooks of the lesson in memory, for tests and the demo.

    from grader.demo.notebook_factory import credit_notebook, rainfall_notebook, write_submission
    nb = credit_notebook(labels="0/1", crosstab=True)            # an nbformat NotebookNode
    nb = credit_notebook(constant=True)                           # an all-"good" model (~0.715)
    write_submission(folder, rainfall=rainfall_notebook(rmse=None), credit=nb)

The outputs are what the lesson's code prints: training logs with ANSI colours, "uploaded to:
s3://..." lines, metrics, a classification report made by scikit-learn itself (the old
`micro avg` layout on request), confusion matrices printed by NumPy or `pd.crosstab` (text/plain
and text/html made by pandas). Numbers are consistent by default: the accuracy printed is the
one the confusion matrix implies; `edited_accuracy` makes them disagree, as a hand-edited
output would. Deterministic: same options, same notebook.

Knobs (see `RainfallOptions` / `CreditOptions`): SDK code style `sdk` ("v1", "v2", "v1-on-v2":
v1 code run on SDK 2, which leaves "renamed in sagemaker>=2" warnings on stderr), `executed`,
`error_last` (the last cell ends in a ClientError from DeleteEndpoint), `out_of_order` (an
early cell re-run at the end), `bucket`, `job_name` (None: no job name printed), `minor`
(nbformat 4 minor version; below 5 the cells have no ids). Rainfall: `rmse`, `r2` (None: not
printed). Credit: `labels` ("Good/Bad", "good/bad", "0/1", "0.0/1.0"), `old_sklearn`,
`crosstab`, `confusion` (counts with rows actual (good, bad), columns predicted (good, bad)),
`constant`, `edited_accuracy`.

The building blocks (options, the cell builder, the shared cells) are in `.cells`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode

from grader.demo.notebook_factory.cells import (
    Builder,
    CreditOptions,
    RainfallOptions,
    add_delete,
    add_deploy,
    add_imports,
    add_setup,
    add_training,
    add_upload,
    figure,
    result,
    stderr,
    stdout,
    with_changes,
)
from grader.notebooks import LESSON_NOTEBOOKS


# -- the rainfall notebook (lesson step 6) ---------------------------------------------------
def rainfall_notebook(options: RainfallOptions | None = None, **changes: Any) -> NotebookNode:
    """An executed `rainfall_forecast.ipynb` (linear-learner regressor on the Austin data)."""
    o: RainfallOptions = with_changes(RainfallOptions, options, changes)
    b = Builder(o)
    b.md("## Initial imports")
    add_imports(b, "mean_squared_error, r2_score")
    b.md("## Loading and preparing the data")
    b.code('file_path = Path("Data/x_austin_final.csv")\nfeatures = pd.read_csv(file_path)\n'
           'X = features["TempAvgF"].values.reshape(-1, 1)\nX[:5]',
           result("array([[60],\n       [48],\n       [45],\n       [46],\n       [50]])"))
    b.code('file_path = Path("Data/y_austin_final.csv")\n'
           'y = pd.read_csv(file_path, names=["PrecipitationSumInches"], header=None)\ny = y.iloc[:, 0].values\ny[:5]',
           result("array([0.46, 0.  , 0.  , 0.  , 0.  ])"))
    b.code("X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=1)")
    add_setup(b, "austin-rainfall-regression")
    add_upload(b, "austin-rainfall-regression", "X_train", "X_test")
    add_training(b, '    predictor_type="regressor",\n    loss="absolute_loss",\n', 1,
              ["absolute_loss=0.2085", "mse=0.1753", "rmse=0.4187"])
    add_deploy(b)
    b.code('result = linear_predictor.predict(X_test)\ny_predictions = np.array([r["score"] for r in '
           'result["predictions"]])\n'
           'plt.scatter(X_test, y_test, color="blue", label="Real")\n'
           'plt.scatter(X_test, y_predictions, color="red", label="Predicted")\nplt.legend()\nplt.show()',
           figure())
    lines, code = [], ["rmse = np.sqrt(mean_squared_error(y_test, y_predictions))",
                       "r2 = r2_score(y_test, y_predictions)"]
    if o.rmse is not None:
        lines.append(f"RMSE: {o.rmse}")
        code.append('print(f"RMSE: {rmse}")')
    if o.r2 is not None:
        lines.append(f"R2 score: {o.r2}")
        code.append('print(f"R2 score: {r2}")')
    b.code("\n".join(code), *([stdout("\n".join(lines) + "\n")] if lines else []))
    add_delete(b)
    return b.finish("# Austin rainfall forecast with Amazon SageMaker linear-learner")


# -- the credit-risk notebook (lesson steps 8-9) ---------------------------------------------
def _labels(style: str) -> tuple[Any, Any]:
    """(good, bad) as the notebook's y values."""
    return {"Good/Bad": ("Good", "Bad"), "good/bad": ("good", "bad"), "0/1": (0, 1),
            "0.0/1.0": (0.0, 1.0)}[style]


def _confusion(o: CreditOptions) -> tuple[tuple[int, int], tuple[int, int]]:
    (gg, gb), (bg, bb) = o.confusion
    if o.constant:
        return ((gg + gb, 0), (bg + bb, 0))
    return ((gg, gb), (bg, bb))


def credit_arrays(options: CreditOptions | None = None, **changes: Any) -> tuple[list[Any], list[Any]]:
    """(y_test, y_pred) consistent with the options' confusion counts and label style."""
    o: CreditOptions = with_changes(CreditOptions, options, changes)
    good, bad = _labels(o.labels)
    (gg, gb), (bg, bb) = _confusion(o)
    y_test = [good] * (gg + gb) + [bad] * (bg + bb)
    y_pred = [good] * gg + [bad] * gb + [good] * bg + [bad] * bb
    return y_test, y_pred


def _report_text(o: CreditOptions, y_test: list[Any], y_pred: list[Any], accuracy_shown: float) -> str:
    from grader.demo.notebook_factory.sklearn_text import classification_report

    text = classification_report(y_test, y_pred)
    lines = text.split("\n")
    out = []
    for line in lines:
        if line.strip().startswith("accuracy"):
            total = line.split()[-1]
            if o.old_sklearn:
                line = f"{'micro avg':>12s} " + "".join(f" {accuracy_shown:>9.2f}" for _ in range(3)) + f" {total:>9}"
            else:
                line = f"{'accuracy':>12s} " + " " * 20 + f" {accuracy_shown:>9.2f} {total:>9}"
        out.append(line)
    return "\n".join(out)


def _confusion_output(o: CreditOptions, y_test: list[Any], y_pred: list[Any]) -> tuple[str, NotebookNode]:
    if o.crosstab:
        import pandas as pd

        table = pd.crosstab(pd.Series(y_test, name="Actual"), pd.Series(y_pred, name="Predicted"))
        return ('pd.crosstab(pd.Series(y_test, name="Actual"), pd.Series(y_predictions, name="Predicted"))',
                result(repr(table), table._repr_html_()))
    from grader.demo.notebook_factory.sklearn_text import confusion_matrix_text

    good, bad = _labels(o.labels)
    labels = sorted({good, bad}, key=str) if isinstance(good, str) else None
    return ("print(confusion_matrix(y_test, y_predictions))", stdout(confusion_matrix_text(y_test, y_pred, labels) + "\n"))


def credit_notebook(options: CreditOptions | None = None, **changes: Any) -> NotebookNode:
    """An executed `credit-risk-classification.ipynb` (linear-learner binary_classifier)."""
    o: CreditOptions = with_changes(CreditOptions, options, changes)
    good, bad = _labels(o.labels)
    y_test, y_pred = credit_arrays(o)
    (gg, gb), (bg, bb) = _confusion(o)
    accuracy = (gg + bb) / len(y_test)
    shown = o.edited_accuracy if o.edited_accuracy is not None else accuracy
    b = Builder(o)
    b.md("## Initial imports")
    add_imports(b, "accuracy_score, classification_report, confusion_matrix")
    b.md("## Loading and preparing the data")
    b.code('file_path = Path("Data/german_credit_data.csv")\ncredit_df = pd.read_csv(file_path, index_col=0)\n'
           "credit_df.head()",
           result("   Age     Sex  Job Housing Saving accounts Checking account  Credit amount  Duration  "
                   "Purpose  Risk\n0   67    male    2     own             NaN           little           1169"
                   "         6  radio/TV  good",
                   "<table border=\"1\" class=\"dataframe\"><thead><tr><th></th><th>Age</th><th>Sex</th></tr>"
                   "</thead><tbody><tr><th>0</th><td>67</td><td>male</td></tr></tbody></table>"))
    if o.labels in ("0/1", "0.0/1.0"):
        encode = 'y = credit_df["Risk"].map({"good": 0, "bad": 1})' + (".astype(float)" if o.labels == "0.0/1.0" else "")
    elif o.labels == "Good/Bad":
        encode = 'y = credit_df["Risk"].str.capitalize()'
    else:
        encode = 'y = credit_df["Risk"]'
    b.code(f'{encode}\nX = credit_df.drop(columns="Risk")\n'
           "X = pd.get_dummies(X, columns=[\"Sex\", \"Housing\", \"Saving accounts\", \"Checking account\", \"Purpose\"])")
    b.code("X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=78)")
    b.code("from sklearn.preprocessing import StandardScaler\nscaler = StandardScaler()\n"
           "X_scaler = scaler.fit(X_train)\nX_train_scaled = X_scaler.transform(X_train)\n"
           "X_test_scaled = X_scaler.transform(X_test)")
    add_setup(b, "credit-risk")
    add_upload(b, "credit-risk", "X_train_scaled", "X_test_scaled")
    add_training(b, '    predictor_type="binary_classifier",\n', 26,
              ["binary_classification_accuracy=0.7612", "binary_f_1.000=0.5123"])
    add_deploy(b)
    to_label = {"Good/Bad": 'np.where(y_predictions == 1, "Good", "Bad")',
                "good/bad": 'np.where(y_predictions == 1, "good", "bad")',
                "0/1": "(1 - y_predictions).astype(int)", "0.0/1.0": "1.0 - y_predictions"}[o.labels]
    b.code('result = linear_predictor.predict(X_test_scaled)\n'
           'y_predictions = np.array([r["predicted_label"] for r in result["predictions"]])\n'
           f"y_predictions = {to_label}")
    b.md("## Model evaluation")
    b.code('print(f"accuracy_score: {accuracy_score(y_test, y_predictions)}")', stdout(f"accuracy_score: {shown}\n"))
    report = _report_text(o, y_test, y_pred, round(shown, 2))
    warn = []
    if o.constant:
        warn = [stderr("/opt/conda/lib/python3.7/site-packages/sklearn/metrics/_classification.py:1221: "
                        "UndefinedMetricWarning: Precision and F-score are ill-defined and being set to 0.0 in labels "
                        "with no predicted samples. Use `zero_division` parameter to control this behavior.\n"
                        "  _warn_prf(average, modifier, msg_start, len(result))\n")]
    b.code("print(classification_report(y_test, y_predictions))", stdout(report + "\n"), *warn)
    source, output = _confusion_output(o, y_test, y_pred)
    b.code(source, output)
    add_delete(b)
    del good, bad
    return b.finish("# Credit risk classification with Amazon SageMaker linear-learner")


# -- the demo's named mistakes ---------------------------------------------------------------
#: knob name -> options changed, per notebook kind. None (or "") is a notebook done right.
DEMO_KNOBS: dict[str, dict[str, dict[str, Any]]] = {
    "rainfall": {
        "unexecuted": {"executed": False},
        "error_last": {"error_last": True},
        "out_of_order": {"out_of_order": True},
        "only_rmse": {"r2": None},
        "no_metrics": {"rmse": None, "r2": None},
        "v1_on_v2": {"sdk": "v1-on-v2"},
    },
    "credit": {
        "unexecuted": {"executed": False},
        "error_last": {"error_last": True},
        "out_of_order": {"out_of_order": True},
        "edited_accuracy": {"edited_accuracy": 0.91},
        "constant_model": {"constant": True},
        "poor_model": {"confusion": ((100, 43), (40, 17))},
        "perfect": {"confusion": ((143, 0), (0, 57))},
        "v1_on_v2": {"sdk": "v1-on-v2", "old_sklearn": True, "crosstab": True},
    },
}


def demo_notebook(kind: str, knob: str | None = None, *, bucket: str | None = None,
                  rainfall_job: str | None = None, credit_job: str | None = None) -> str:
    """The JSON text of an executed lesson notebook for the demo's synthetic students.

    `kind` is "rainfall" or "credit"; `knob` one of `DEMO_KNOBS[kind]` (None: done right);
    `bucket` and the job names are what the notebook mentions (the student's own resources).
    """
    if kind not in DEMO_KNOBS:
        raise ValueError(f"unknown notebook kind {kind!r} (rainfall, credit)")
    changes = dict(DEMO_KNOBS[kind].get(knob or "", {}))
    if knob and knob not in DEMO_KNOBS[kind]:
        raise ValueError(f"unknown {kind} notebook knob {knob!r} ({', '.join(sorted(DEMO_KNOBS[kind]))})")
    if bucket is not None:
        changes["bucket"] = bucket
    job = rainfall_job if kind == "rainfall" else credit_job
    if job is not None:
        changes["job_name"] = job
    nb = rainfall_notebook(**changes) if kind == "rainfall" else credit_notebook(**changes)
    return to_json(nb)


# -- writing ---------------------------------------------------------------------------------
def to_json(nb: NotebookNode, *, minified: bool = False) -> str:
    """The notebook as nbformat JSON (`minified`: no whitespace, as some tools save it)."""
    if minified:
        return json.dumps(nb, separators=(",", ":"), ensure_ascii=False)
    return nbformat.writes(nb)


def write_submission(
    folder: Path,
    *,
    rainfall: NotebookNode | None = None,
    credit: NotebookNode | None = None,
    rainfall_name: str = LESSON_NOTEBOOKS["rainfall"],
    credit_name: str = LESSON_NOTEBOOKS["credit"],
    minified: bool = False,
) -> Path:
    """Write the given notebooks into `folder` (created) under the lesson's names; returns it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for nb, name in ((rainfall, rainfall_name), (credit, credit_name)):
        if nb is not None:
            (folder / name).write_text(to_json(nb, minified=minified), encoding="utf-8")
    return folder


__all__ = [
    "DEMO_KNOBS",
    "CreditOptions",
    "RainfallOptions",
    "credit_arrays",
    "credit_notebook",
    "demo_notebook",
    "rainfall_notebook",
    "to_json",
    "write_submission",
]
