"""The shipped starter notebooks with their `# YOUR CODE HERE` gaps filled in: the lesson's
solution, as a student would write it, for tests and benchmarks that execute the notebooks.

    nb = solved_credit()                       # SDK 2 code, split with random_state=1
    nb = solved_credit(sdk="v1", seeded=False) # SDK-1 style (get_image_uri, s3_input, csv_serializer,
                                               # train_instance_count) and an unseeded split, as 2020 runs
    nb = solved_rainfall()
    write_solved(folder)                       # both, plus data/, into folder

Only code cells change; the notebooks stay unexecuted (execute them to get outputs).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

import student_templates

BUCKET = "sm-models-20200330-1244"

_CREDIT = {
    7: 'y = credit_df["Risk"].map({"good": 0, "bad": 1})\nX = credit_df.drop(columns="Risk")',
    9: 'X = pd.get_dummies(X, columns=["Sex", "Housing", "Saving accounts", "Checking account", "Purpose"])',
    11: "X_train, X_test, y_train, y_test = train_test_split(X, y{split})",
    12: "scaler = StandardScaler().fit(X_train)\nX_train_scaled = scaler.transform(X_train)\n"
        "X_test_scaled = scaler.transform(X_test)",
    17: 'buf = io.BytesIO()\nsmac.write_numpy_to_dense_tensor(buf, np.array(X_test_scaled).astype("float32"), '
        'np.array(y_test).astype("float32"))\nbuf.seek(0)\nkey = "linear_test.data"\n'
        'boto3.resource("s3").Bucket(bucket).Object(os.path.join(prefix, "test", key)).upload_fileobj(buf)\n'
        's3_test_data = "s3://{}/{}/test/{}".format(bucket, prefix, key)\n'
        'print("Testing data uploaded to: {}".format(s3_test_data))',
    20: 'linear.set_hyperparameters(feature_dim=X_train_scaled.shape[1], predictor_type="binary_classifier",\n'
        '                           mini_batch_size=100, epochs=20)',
    21: 'linear.fit({"train": s3_train_data, "test": s3_test_data})',
    25: 'result = linear_predictor.predict(X_test_scaled)\n'
        'y_predictions = np.array([r["predicted_label"] for r in result["predictions"]])',
    28: "print(classification_report(y_test, y_predictions))",
    29: "print(confusion_matrix(y_test, y_predictions))",
}

_CREDIT_V1 = {
    3: "import boto3\nimport sagemaker\nimport sagemaker.amazon.common as smac\nfrom sagemaker import get_execution_role\n"
       "from sagemaker.amazon.amazon_estimator import get_image_uri\n"
       "from sagemaker.predictor import csv_serializer, json_deserializer",
    19: 'container = get_image_uri(region, "linear-learner")\n\nlinear = sagemaker.estimator.Estimator(\n'
        '    container,\n    role,\n    train_instance_count=1,\n    train_instance_type="ml.m4.xlarge",\n'
        '    output_path="s3://{}/{}/output".format(bucket, prefix),\n    sagemaker_session=sess,\n)',
    21: 'linear.fit({"train": sagemaker.s3_input(s3_train_data), "test": sagemaker.s3_input(s3_test_data)})',
    23: 'linear_predictor = linear.deploy(initial_instance_count=1, instance_type="ml.t2.medium")\n'
        'linear_predictor.content_type = "text/csv"\nlinear_predictor.serializer = csv_serializer\n'
        "linear_predictor.deserializer = json_deserializer",
    31: "sagemaker.Session().delete_endpoint(linear_predictor.endpoint)",
}

_RAINFALL = {
    5: 'file_path = Path("data/x_austin_final.csv")\nfeatures = pd.read_csv(file_path)\n'
       'X = features["TempAvgF"].values.reshape(-1, 1)',
    7: 'file_path = Path("data/y_austin_final.csv")\n'
       'y = pd.read_csv(file_path, names=["PrecipitationSumInches"], header=None)\n'
       'y = y["PrecipitationSumInches"].values',
    9: "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=1)",
    15: 'buf = io.BytesIO()\nsmac.write_numpy_to_dense_tensor(buf, np.array(X_test).astype("float32"), '
        'np.array(y_test).astype("float32"))\nbuf.seek(0)\nkey = "linear_test.data"\n'
        'boto3.resource("s3").Bucket(bucket).Object(os.path.join(prefix, "test", key)).upload_fileobj(buf)\n'
        's3_test_data = "s3://{}/{}/test/{}".format(bucket, prefix, key)\n'
        'print("Testing data uploaded to: {}".format(s3_test_data))',
    19: 'linear.set_hyperparameters(feature_dim=1, mini_batch_size=100, predictor_type="regressor", epochs=10,\n'
        '                           num_models=32, loss="absolute_loss")',
    20: 'linear.fit({"train": s3_train_data, "test": s3_test_data})',
    25: 'result = linear_predictor.predict(X_test)\ny_predictions = np.array([r["score"] for r in result["predictions"]])',
    28: 'rmse = np.sqrt(mean_squared_error(y_test, y_predictions))\nr2 = r2_score(y_test, y_predictions)\n'
        'print(f"RMSE: {rmse}")\nprint(f"R2 score: {r2}")',
}


def _fill(name: str, fills: dict[int, str], bucket: str) -> nbformat.NotebookNode:
    nb = nbformat.read(student_templates.files() / name, as_version=4)
    for index, source in fills.items():
        cell = nb.cells[index]
        assert cell.cell_type == "code", (name, index)
        cell.source = source
    for cell in nb.cells:
        if cell.cell_type == "code" and 'bucket = "sagemaker-bucket-name-here"' in cell.source:
            cell.source = cell.source.replace('"sagemaker-bucket-name-here"  # YOUR CODE HERE: your private bucket',
                                              f'"{bucket}"')
    return nb


def solved_credit(sdk: str = "v2", seeded: bool = True, bucket: str = BUCKET,
                  test_size: float | None = None) -> nbformat.NotebookNode:
    fills = dict(_CREDIT)
    split = (f", test_size={test_size}" if test_size else "") + (", random_state=1" if seeded else "")
    fills[11] = fills[11].format(split=split)
    if sdk == "v1":
        fills.update(_CREDIT_V1)
    return _fill("credit-risk-classification.ipynb", fills, bucket)


def solved_rainfall(bucket: str = BUCKET) -> nbformat.NotebookNode:
    return _fill("rainfall_forecast.ipynb", _RAINFALL, bucket)


def write_solved(folder: Path, *, credit: nbformat.NotebookNode | None = None,
                 rainfall: nbformat.NotebookNode | None = None, data: bool = True) -> Path:
    """Write the solved notebooks (or the ones given) and, with `data`, the lesson's data/."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(credit or solved_credit(), folder / "credit-risk-classification.ipynb")
    nbformat.write(rainfall or solved_rainfall(), folder / "rainfall_forecast.ipynb")
    if data:
        (folder / "data").mkdir(exist_ok=True)
        for name in ("german_credit_data.csv", "x_austin_final.csv", "y_austin_final.csv"):
            shutil.copy2(student_templates.files() / "data" / name, folder / "data" / name)
    return folder
