"""grader.sdk: RecordIO read with the SDK's own Record message, without importing the SDK."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest

from grader.demo.sagemaker_sdk import sagemaker_common
from grader.sdk import read_records, split_recordio


def written(features, labels) -> bytes:
    buf = io.BytesIO()
    sagemaker_common().write_numpy_to_dense_tensor(buf, np.asarray(features, "float32"), np.asarray(labels, "float32"))
    return buf.getvalue()


@pytest.mark.parametrize("dims", [1, 3, 37])
def test_agrees_with_the_sdks_own_reader(dims):
    rng = np.random.default_rng(dims)
    data = written(rng.normal(size=(25, dims)), rng.normal(size=25))
    ours = read_records(data)
    theirs = sagemaker_common().read_records(io.BytesIO(data))
    assert len(ours) == len(theirs) == 25
    assert [r.SerializeToString() for r in ours] == [r.SerializeToString() for r in theirs]
    assert len(ours[0].features["values"].float32_tensor.values) == dims


def test_a_cut_off_record_is_left_out():
    data = written([[1.0], [2.0], [3.0]], [0.1, 0.2, 0.3])
    payloads, end = split_recordio(data)
    assert len(payloads) == 3 and end == len(data)
    cut = data[: len(data) - 5]
    assert len(read_records(cut)) == 2
    assert split_recordio(b"1.0,54\n0.14,46\n") == ([], 0)  # CSV is not RecordIO


def test_reading_does_not_import_the_sdk_package():
    code = ("import sys; from grader.sdk import read_records, record_class; record_class(); "
            "read_records(b''); print('sagemaker' in sys.modules, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False False"
