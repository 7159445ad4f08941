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
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

BLUE, RESET = "\x1b[34m", "\x1b[0m"
RENAMED = "{what} has been renamed in sagemaker>=2.\nSee: https://sagemaker.readthedocs.io/en/stable/v2.html for details.\n"
TINY_PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


@dataclass(frozen=True)
class CommonOptions:
    sdk: str = "v2"  # "v1" | "v2" | "v1-on-v2"
    bucket: str | None = "sm-models-20200330-1244"
    job_name: str | None = "linear-learner-2020-03-30-12-58-02-201"
    region: str = "us-east-2"
    executed: bool = True
    error_last: bool = False
    out_of_order: bool = False
    minor: int = 5


@dataclass(frozen=True)
class RainfallOptions(CommonOptions):
    rmse: float | None = 0.41836917395823716
    r2: float | None = -0.004611372928375339


@dataclass(frozen=True)
class CreditOptions(CommonOptions):
    job_name: str | None = "linear-learner-2020-03-30-13-21-40-623"
    labels: str = "Good/Bad"  # "Good/Bad" | "good/bad" | "0/1" | "0.0/1.0"
    old_sklearn: bool = False
    crosstab: bool = False
    confusion: tuple[tuple[int, int], tuple[int, int]] = ((128, 15), (31, 26))
    constant: bool = False
    edited_accuracy: float | None = None


# -- building blocks -------------------------------------------------------------------------
class _Builder:
    def __init__(self, options: CommonOptions):
        self.o = options
        self.cells: list[NotebookNode] = []
        self.count = 0

    def md(self, text: str) -> None:
        self.cells.append(new_markdown_cell(text))

    def code(self, source: str, *outputs: NotebookNode) -> NotebookNode:
        self.count += 1
        cell = new_code_cell(source, execution_count=self.count, outputs=list(outputs))
        for out in cell.outputs:
            if out.output_type == "execute_result":
                out.execution_count = self.count
        self.cells.append(cell)
        return cell

    def finish(self, title: str) -> NotebookNode:
        o = self.o
        code_cells = [c for c in self.cells if c.cell_type == "code"]
        if o.error_last:
            last = code_cells[-1]
            endpoint = (o.job_name or "linear-learner-2020-03-30-13-05-44-116").replace("-201", "-116")
            last.outputs.append(new_output(
                "error", ename="ClientError",
                evalue=(f"An error occurred (ValidationException) when calling the DeleteEndpoint operation: "
                        f'Could not find endpoint "arn:aws:sagemaker:{o.region}:123456789012:endpoint/{endpoint}".'),
                traceback=[
                    "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
                    "\x1b[0;31mClientError\x1b[0m                               Traceback (most recent call last)",
                    "\x1b[0;31mClientError\x1b[0m: An error occurred (ValidationException) when calling the "
                    "DeleteEndpoint operation: Could not find endpoint.",
                ],
            ))
        if o.out_of_order and len(code_cells) > 3:
            self.count += 1
            code_cells[2].execution_count = self.count
            for out in code_cells[2].outputs:
                if out.output_type == "execute_result":
                    out.execution_count = self.count
        if not o.executed:
            for c in code_cells:
                c.execution_count = None
                c.outputs = []
        nb = new_notebook(cells=[new_markdown_cell(title)] + self.cells)
        nb.metadata = {
            "kernelspec": {"display_name": "Python 3 (Data Science)", "language": "python",
                           "name": "python3__SAGEMAKER_INTERNAL__arn:aws:sagemaker:us-east-2:429704687514:image/datascience-1.0"},
            "language_info": {"name": "python", "version": "3.7.10", "mimetype": "text/x-python",
                              "file_extension": ".py"},
        }
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"{self.o.__class__.__name__[:6].lower()}-{i:03d}"
        nb.nbformat_minor = o.minor
        if o.minor < 5:
            for cell in nb.cells:
                cell.pop("id", None)
        return nb


def _stdout(text: str) -> NotebookNode:
    return new_output("stream", name="stdout", text=text)


def _stderr(text: str) -> NotebookNode:
    return new_output("stream", name="stderr", text=text)


def _result(plain: str, html: str | None = None) -> NotebookNode:
    data = {"text/plain": plain}
    if html is not None:
        data["text/html"] = html
    return new_output("execute_result", data=data)


def _figure() -> NotebookNode:
    return new_output("display_data", data={"image/png": TINY_PNG, "text/plain": "<Figure size 432x288 with 1 Axes>"})


def _v1(o: CommonOptions) -> bool:
    return o.sdk in ("v1", "v1-on-v2")


def _renamed(o: CommonOptions, *whats: str) -> list[NotebookNode]:
    if o.sdk != "v1-on-v2":
        return []
    return [_stderr("".join(RENAMED.format(what=w) for w in whats))]


def _imports(b: _Builder, sklearn_metrics: str) -> None:
    o = b.o
    b.code("import os\nimport io\nimport numpy as np\nimport pandas as pd\nfrom pathlib import Path\n"
           "import matplotlib.pyplot as plt\nfrom sklearn.model_selection import train_test_split\n"
           f"from sklearn.metrics import {sklearn_metrics}")
    if _v1(o):
        b.code("import sagemaker\nimport sagemaker.amazon.common as smac\n"
               "from sagemaker.predictor import csv_serializer, json_deserializer\n"
               "from sagemaker import get_execution_role\nfrom sagemaker.amazon.amazon_estimator import get_image_uri\n"
               "import boto3")
    else:
        b.code("import boto3\nimport sagemaker\nimport sagemaker.amazon.common as smac\n"
               "from sagemaker import get_execution_role, image_uris\n"
               "from sagemaker.serializers import CSVSerializer\nfrom sagemaker.deserializers import JSONDeserializer",
               _stderr("sagemaker.config INFO - Not applying SDK defaults from location: /etc/xdg/sagemaker/config.yaml\n"))


def _setup(b: _Builder, prefix: str) -> None:
    o = b.o
    bucket = o.bucket or "sagemaker-bucket-name-here"
    b.md("## Set up the SageMaker session")
    b.code(f'# Set the bucket name (your private bucket)\nbucket = "{bucket}"\nprefix = "{prefix}"\n'
           "role = get_execution_role()\nsess = sagemaker.Session()")


def _upload(b: _Builder, prefix: str, x_train: str, x_test: str) -> None:
    o = b.o
    bucket = o.bucket or "sagemaker-bucket-name-here"
    for part, xs, ys in (("train", x_train, "y_train"), ("test", x_test, "y_test")):
        key = f"linear_{part}.data"
        label = "Training" if part == "train" else "Testing"
        b.code(
            f"# Encode the {part}ing data as Protocol Buffer\nbuf = io.BytesIO()\n"
            f'vectors = np.array({xs}).astype("float32")\nlabels = np.array({ys}).astype("float32")\n'
            "smac.write_numpy_to_dense_tensor(buf, vectors, labels)\nbuf.seek(0)\n\n"
            f'key = "{key}"\n'
            f'boto3.resource("s3").Bucket(bucket).Object(os.path.join(prefix, "{part}", key)).upload_fileobj(buf)\n'
            f's3_{part}_data = "s3://{{}}/{{}}/{part}/{{}}".format(bucket, prefix, key)\n'
            f'print("{label} data uploaded to: {{}}".format(s3_{part}_data))',
            _stdout(f"{label} data uploaded to: s3://{bucket}/{prefix}/{part}/{key}\n"),
        )


def _training(b: _Builder, hyper: str, features: int, log_metrics: list[str]) -> None:
    o = b.o
    if _v1(o):
        b.code('container = get_image_uri(boto3.Session().region_name, "linear-learner")',
               *_renamed(o, "The method get_image_uri"),
               *([_stderr("Defaulting to the only supported framework/algorithm version: 1. Ignoring framework/"
                          "algorithm version: 1.\n")] if o.sdk == "v1-on-v2" else []))
        b.code("linear = sagemaker.estimator.Estimator(\n    container,\n    role,\n    train_instance_count=1,\n"
               '    train_instance_type="ml.m4.xlarge",\n    output_path="s3://{}/{}/output".format(bucket, prefix),\n'
               "    sagemaker_session=sess,\n)", *_renamed(o, "train_instance_count", "train_instance_type"))
    else:
        b.code('container = image_uris.retrieve("linear-learner", sess.boto_region_name)',
               _stderr("INFO:sagemaker.image_uris:Same images used for training and inference. Defaulting to image "
                       "scope: inference.\nINFO:sagemaker.image_uris:Ignoring unnecessary instance type: None.\n"))
        b.code("linear = sagemaker.estimator.Estimator(\n    container,\n    role,\n    instance_count=1,\n"
               '    instance_type="ml.m4.xlarge",\n    output_path="s3://{}/{}/output".format(bucket, prefix),\n'
               "    sagemaker_session=sess,\n)")
    b.code(f"linear.set_hyperparameters(\n    feature_dim={features},\n    mini_batch_size=100,\n{hyper}"
           "    epochs=10,\n    num_models=32,\n)")
    day = "2020-03-30"
    stamp = "03/30/2020"
    log = [
        f"{day} 12:58:02 Starting - Starting the training job...",
        f"{day} 12:58:04 Starting - Launching requested ML instances......",
        f"{day} 12:59:09 Starting - Preparing the instances for training......",
        f"{day} 13:00:18 Downloading - Downloading input data...",
        f"{day} 13:00:52 Training - Downloading the training image..",
        f"{BLUE}Docker entrypoint called with argument(s): train{RESET}",
        f"{BLUE}Running default environment configuration script{RESET}",
        f"{BLUE}[{stamp} 13:01:12 INFO 140515373418304] Reading default configuration from /opt/amazon/lib/python3.7/"
        f"site-packages/algorithm/resources/default-input.json: {{u'loss_insensitivity': u'0.01', u'epochs': u'15', "
        f"u'binary_classifier_model_selection_criteria': u'accuracy'}}{RESET}",
        f"{BLUE}[{stamp} 13:01:13 INFO 140515373418304] nvidia-smi took: 0.0251 secs to identify 0 gpus{RESET}",
        f"{BLUE}[{stamp} 13:01:13 INFO 140515373418304] Number of GPUs being used: 0{RESET}",
        *[f"{BLUE}[{stamp} 13:01:{20 + i} INFO 140515373418304] #progress_metric: host=algo-1, completed {10 * i} % of "
          f"epochs{RESET}" for i in range(1, 10)],
        *[f"{BLUE}[{stamp} 13:01:31 INFO 140515373418304] #test_score (algo-1) : ('{name}', {value}){RESET}"
          for name, value in (m.split("=") for m in log_metrics)],
        *[f"{BLUE}[{stamp} 13:01:31 INFO 140515373418304] #quality_metric: host=algo-1, test {name} <score>={value}"
          f"{RESET}" for name, value in (m.split("=") for m in log_metrics)],
        f"{BLUE}#metrics {{\"Metrics\": {{\"totaltime\": {{\"sum\": 22183.4, \"count\": 1}}}}}}{RESET}",
        "",
        f"{day} 13:01:45 Uploading - Uploading generated training model",
        f"{day} 13:01:52 Completed - Training job completed",
        "Training seconds: 94",
        "Billable seconds: 94",
    ]
    outputs = []
    if o.job_name and o.sdk != "v1":
        outputs.append(_stderr(f"INFO:sagemaker:Creating training-job with name: {o.job_name}\n"))
    elif o.job_name:
        log.insert(0, f"INFO:sagemaker:Creating training-job with name: {o.job_name}")
    outputs.append(_stdout("\n".join(log) + "\n"))
    b.code("linear.fit({'train': s3_train_data, 'test': s3_test_data})", *outputs)


def _deploy(b: _Builder) -> None:
    o = b.o
    endpoint = (o.job_name or "linear-learner-2020-03-30-13-05-44-116")[:-3] + "116"
    infos = [] if o.sdk == "v1" else [_stderr(
        f"INFO:sagemaker:Creating model with name: {endpoint[:-3]}777\n"
        f"INFO:sagemaker:Creating endpoint-config with name {endpoint}\n"
        f"INFO:sagemaker:Creating endpoint with name {endpoint}\n")]
    b.code('linear_predictor = linear.deploy(initial_instance_count=1, instance_type="ml.t2.medium")',
           *infos, _stdout("---------------!"))
    if _v1(o):
        b.code("linear_predictor.content_type = 'text/csv'\nlinear_predictor.serializer = csv_serializer\n"
               "linear_predictor.deserializer = json_deserializer",
               *_renamed(o, "The csv_serializer", "The json_deserializer"))
    else:
        b.code("linear_predictor.serializer = CSVSerializer()\nlinear_predictor.deserializer = JSONDeserializer()")


def _delete(b: _Builder) -> None:
    if _v1(b.o):
        b.code("sagemaker.Session().delete_endpoint(linear_predictor.endpoint)",
               *([_stderr("The endpoint attribute has been renamed in sagemaker>=2.\nSee: https://sagemaker."
                          "readthedocs.io/en/stable/v2.html for details.\n")] if b.o.sdk == "v1-on-v2" else []))
    else:
        b.code("linear_predictor.delete_endpoint()",
               _stderr(f"INFO:sagemaker:Deleting endpoint configuration with name: "
                       f"{(b.o.job_name or 'linear-learner-2020-03-30-13-05-44-116')[:-3]}116\n"
                       f"INFO:sagemaker:Deleting endpoint with name: "
                       f"{(b.o.job_name or 'linear-learner-2020-03-30-13-05-44-116')[:-3]}116\n"))


def _options(cls: type, options: Any, changes: dict[str, Any]) -> Any:
    base = options if options is not None else cls()
    return dataclasses.replace(base, **changes) if changes else base


# -- the rainfall notebook (lesson step 6) ---------------------------------------------------
def rainfall_notebook(options: RainfallOptions | None = None, **changes: Any) -> NotebookNode:
    """An executed `rainfall_forecast.ipynb` (linear-learner regressor on the Austin data)."""
    o: RainfallOptions = _options(RainfallOptions, options, changes)
    b = _Builder(o)
    b.md("## Initial imports")
    _imports(b, "mean_squared_error, r2_score")
    b.md("## Loading and preparing the data")
    b.code('file_path = Path("Data/x_austin_final.csv")\nfeatures = pd.read_csv(file_path)\n'
           'X = features["TempAvgF"].values.reshape(-1, 1)\nX[:5]',
           _result("array([[60],\n       [48],\n       [45],\n       [46],\n       [50]])"))
    b.code('file_path = Path("Data/y_austin_final.csv")\n'
           'y = pd.read_csv(file_path, names=["PrecipitationSumInches"], header=None)\ny = y.iloc[:, 0].values\ny[:5]',
           _result("array([0.46, 0.  , 0.  , 0.  , 0.  ])"))
    b.code("X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=1)")
    _setup(b, "austin-rainfall-regression")
    _upload(b, "austin-rainfall-regression", "X_train", "X_test")
    _training(b, '    predictor_type="regressor",\n    loss="absolute_loss",\n', 1,
              ["absolute_loss=0.2085", "mse=0.1753", "rmse=0.4187"])
    _deploy(b)
    b.code('result = linear_predictor.predict(X_test)\ny_predictions = np.array([r["score"] for r in '
           'result["predictions"]])\n'
           'plt.scatter(X_test, y_test, color="blue", label="Real")\n'
           'plt.scatter(X_test, y_predictions, color="red", label="Predicted")\nplt.legend()\nplt.show()',
           _figure())
    lines, code = [], ["rmse = np.sqrt(mean_squared_error(y_test, y_predictions))",
                       "r2 = r2_score(y_test, y_predictions)"]
    if o.rmse is not None:
        lines.append(f"RMSE: {o.rmse}")
        code.append('print(f"RMSE: {rmse}")')
    if o.r2 is not None:
        lines.append(f"R2 score: {o.r2}")
        code.append('print(f"R2 score: {r2}")')
    b.code("\n".join(code), *([_stdout("\n".join(lines) + "\n")] if lines else []))
    _delete(b)
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
    o: CreditOptions = _options(CreditOptions, options, changes)
    good, bad = _labels(o.labels)
    (gg, gb), (bg, bb) = _confusion(o)
    y_test = [good] * (gg + gb) + [bad] * (bg + bb)
    y_pred = [good] * gg + [bad] * gb + [good] * bg + [bad] * bb
    return y_test, y_pred


def _report_text(o: CreditOptions, y_test: list[Any], y_pred: list[Any], accuracy_shown: float) -> str:
    import warnings

    from sklearn.metrics import classification_report

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = classification_report(y_test, y_pred, zero_division=0)
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
    import numpy as np
    import pandas as pd

    if o.crosstab:
        table = pd.crosstab(pd.Series(y_test, name="Actual"), pd.Series(y_pred, name="Predicted"))
        return ('pd.crosstab(pd.Series(y_test, name="Actual"), pd.Series(y_predictions, name="Predicted"))',
                _result(repr(table), table._repr_html_()))
    from sklearn.metrics import confusion_matrix

    good, bad = _labels(o.labels)
    labels = sorted({good, bad}, key=str) if isinstance(good, str) else None
    matrix = confusion_matrix(np.array(y_test), np.array(y_pred), labels=labels)
    return ("print(confusion_matrix(y_test, y_predictions))", _stdout(str(matrix) + "\n"))


def credit_notebook(options: CreditOptions | None = None, **changes: Any) -> NotebookNode:
    """An executed `credit-risk-classification.ipynb` (linear-learner binary_classifier)."""
    o: CreditOptions = _options(CreditOptions, options, changes)
    good, bad = _labels(o.labels)
    y_test, y_pred = credit_arrays(o)
    (gg, gb), (bg, bb) = _confusion(o)
    accuracy = (gg + bb) / len(y_test)
    shown = o.edited_accuracy if o.edited_accuracy is not None else accuracy
    b = _Builder(o)
    b.md("## Initial imports")
    _imports(b, "accuracy_score, classification_report, confusion_matrix")
    b.md("## Loading and preparing the data")
    b.code('file_path = Path("Data/german_credit_data.csv")\ncredit_df = pd.read_csv(file_path, index_col=0)\n'
           "credit_df.head()",
           _result("   Age     Sex  Job Housing Saving accounts Checking account  Credit amount  Duration  "
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
    _setup(b, "credit-risk")
    _upload(b, "credit-risk", "X_train_scaled", "X_test_scaled")
    _training(b, '    predictor_type="binary_classifier",\n', 26,
              ["binary_classification_accuracy=0.7612", "binary_f_1.000=0.5123"])
    _deploy(b)
    to_label = {"Good/Bad": 'np.where(y_predictions == 1, "Good", "Bad")',
                "good/bad": 'np.where(y_predictions == 1, "good", "bad")',
                "0/1": "(1 - y_predictions).astype(int)", "0.0/1.0": "1.0 - y_predictions"}[o.labels]
    b.code('result = linear_predictor.predict(X_test_scaled)\n'
           'y_predictions = np.array([r["predicted_label"] for r in result["predictions"]])\n'
           f"y_predictions = {to_label}")
    b.md("## Model evaluation")
    b.code('print(f"accuracy_score: {accuracy_score(y_test, y_predictions)}")', _stdout(f"accuracy_score: {shown}\n"))
    report = _report_text(o, y_test, y_pred, round(shown, 2))
    warn = []
    if o.constant:
        warn = [_stderr("/opt/conda/lib/python3.7/site-packages/sklearn/metrics/_classification.py:1221: "
                        "UndefinedMetricWarning: Precision and F-score are ill-defined and being set to 0.0 in labels "
                        "with no predicted samples. Use `zero_division` parameter to control this behavior.\n"
                        "  _warn_prf(average, modifier, msg_start, len(result))\n")]
    b.code("print(classification_report(y_test, y_predictions))", _stdout(report + "\n"), *warn)
    source, output = _confusion_output(o, y_test, y_pred)
    b.code(source, output)
    _delete(b)
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
    rainfall_name: str = "rainfall_forecast.ipynb",
    credit_name: str = "credit-risk-classification.ipynb",
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
