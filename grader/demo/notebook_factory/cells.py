"""The building blocks of the factory's notebooks: options, a cell builder, outputs as the lesson's
code prints them, and the cells both lesson notebooks share (imports, session, upload, training,
deploy, delete)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

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
class Builder:
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


def stdout(text: str) -> NotebookNode:
    return new_output("stream", name="stdout", text=text)


def stderr(text: str) -> NotebookNode:
    return new_output("stream", name="stderr", text=text)


def result(plain: str, html: str | None = None) -> NotebookNode:
    data = {"text/plain": plain}
    if html is not None:
        data["text/html"] = html
    return new_output("execute_result", data=data)


def figure() -> NotebookNode:
    return new_output("display_data", data={"image/png": TINY_PNG, "text/plain": "<Figure size 432x288 with 1 Axes>"})


def sdk_v1(o: CommonOptions) -> bool:
    return o.sdk in ("v1", "v1-on-v2")


def renamed(o: CommonOptions, *whats: str) -> list[NotebookNode]:
    if o.sdk != "v1-on-v2":
        return []
    return [stderr("".join(RENAMED.format(what=w) for w in whats))]


def add_imports(b: Builder, sklearn_metrics: str) -> None:
    o = b.o
    b.code("import os\nimport io\nimport numpy as np\nimport pandas as pd\nfrom pathlib import Path\n"
           "import matplotlib.pyplot as plt\nfrom sklearn.model_selection import train_test_split\n"
           f"from sklearn.metrics import {sklearn_metrics}")
    if sdk_v1(o):
        b.code("import sagemaker\nimport sagemaker.amazon.common as smac\n"
               "from sagemaker.predictor import csv_serializer, json_deserializer\n"
               "from sagemaker import get_execution_role\nfrom sagemaker.amazon.amazon_estimator import get_image_uri\n"
               "import boto3")
    else:
        b.code("import boto3\nimport sagemaker\nimport sagemaker.amazon.common as smac\n"
               "from sagemaker import get_execution_role, image_uris\n"
               "from sagemaker.serializers import CSVSerializer\nfrom sagemaker.deserializers import JSONDeserializer",
               stderr("sagemaker.config INFO - Not applying SDK defaults from location: /etc/xdg/sagemaker/config.yaml\n"))


def add_setup(b: Builder, prefix: str) -> None:
    o = b.o
    bucket = o.bucket or "sagemaker-bucket-name-here"
    b.md("## Set up the SageMaker session")
    b.code(f'# Set the bucket name (your private bucket)\nbucket = "{bucket}"\nprefix = "{prefix}"\n'
           "role = get_execution_role()\nsess = sagemaker.Session()")


def add_upload(b: Builder, prefix: str, x_train: str, x_test: str) -> None:
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
            stdout(f"{label} data uploaded to: s3://{bucket}/{prefix}/{part}/{key}\n"),
        )


def add_training(b: Builder, hyper: str, features: int, log_metrics: list[str]) -> None:
    o = b.o
    if sdk_v1(o):
        b.code('container = get_image_uri(boto3.Session().region_name, "linear-learner")',
               *renamed(o, "The method get_image_uri"),
               *([stderr("Defaulting to the only supported framework/algorithm version: 1. Ignoring framework/"
                          "algorithm version: 1.\n")] if o.sdk == "v1-on-v2" else []))
        b.code("linear = sagemaker.estimator.Estimator(\n    container,\n    role,\n    train_instance_count=1,\n"
               '    train_instance_type="ml.m4.xlarge",\n    output_path="s3://{}/{}/output".format(bucket, prefix),\n'
               "    sagemaker_session=sess,\n)", *renamed(o, "train_instance_count", "train_instance_type"))
    else:
        b.code('container = image_uris.retrieve("linear-learner", sess.boto_region_name)',
               stderr("INFO:sagemaker.image_uris:Same images used for training and inference. Defaulting to image "
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
        outputs.append(stderr(f"INFO:sagemaker:Creating training-job with name: {o.job_name}\n"))
    elif o.job_name:
        log.insert(0, f"INFO:sagemaker:Creating training-job with name: {o.job_name}")
    outputs.append(stdout("\n".join(log) + "\n"))
    b.code("linear.fit({'train': s3_train_data, 'test': s3_test_data})", *outputs)


def add_deploy(b: Builder) -> None:
    o = b.o
    endpoint = (o.job_name or "linear-learner-2020-03-30-13-05-44-116")[:-3] + "116"
    infos = [] if o.sdk == "v1" else [stderr(
        f"INFO:sagemaker:Creating model with name: {endpoint[:-3]}777\n"
        f"INFO:sagemaker:Creating endpoint-config with name {endpoint}\n"
        f"INFO:sagemaker:Creating endpoint with name {endpoint}\n")]
    b.code('linear_predictor = linear.deploy(initial_instance_count=1, instance_type="ml.t2.medium")',
           *infos, stdout("---------------!"))
    if sdk_v1(o):
        b.code("linear_predictor.content_type = 'text/csv'\nlinear_predictor.serializer = csv_serializer\n"
               "linear_predictor.deserializer = json_deserializer",
               *renamed(o, "The csv_serializer", "The json_deserializer"))
    else:
        b.code("linear_predictor.serializer = CSVSerializer()\nlinear_predictor.deserializer = JSONDeserializer()")


def add_delete(b: Builder) -> None:
    if sdk_v1(b.o):
        b.code("sagemaker.Session().delete_endpoint(linear_predictor.endpoint)",
               *([stderr("The endpoint attribute has been renamed in sagemaker>=2.\nSee: https://sagemaker."
                          "readthedocs.io/en/stable/v2.html for details.\n")] if b.o.sdk == "v1-on-v2" else []))
    else:
        b.code("linear_predictor.delete_endpoint()",
               stderr(f"INFO:sagemaker:Deleting endpoint configuration with name: "
                       f"{(b.o.job_name or 'linear-learner-2020-03-30-13-05-44-116')[:-3]}116\n"
                       f"INFO:sagemaker:Deleting endpoint with name: "
                       f"{(b.o.job_name or 'linear-learner-2020-03-30-13-05-44-116')[:-3]}116\n"))


def with_changes(cls: type, options: Any, changes: dict[str, Any]) -> Any:
    base = options if options is not None else cls()
    return dataclasses.replace(base, **changes) if changes else base


