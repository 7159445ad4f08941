"""grader.recordio: our own `aialgs.data.Record` and RecordIO framing agree with the SageMaker SDK
(major version 2, installed with the `test` extra) byte for byte, and reading needs no SDK."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import warnings
from functools import cache

import numpy as np
import pytest
from google.protobuf import descriptor_pb2
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.recordio import FILE_DESCRIPTOR, read_records, split_recordio, write_dense_records


@cache
def sdk():
    """`sagemaker.amazon.common` (the SDK's RecordIO writer and reader), imported quietly."""
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    hook = sys.excepthook
    logging.getLogger("sagemaker.config").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import sagemaker.amazon.common as common
    sys.excepthook = hook  # the SDK installs its own traceback hook
    return common


def written(features, labels=None, dtype="float32") -> bytes:
    buf = io.BytesIO()
    sdk().write_numpy_to_dense_tensor(buf, np.asarray(features, dtype),
                                      None if labels is None else np.asarray(labels, dtype))
    return buf.getvalue()


def test_the_schema_is_the_sdks():
    """Every message, field number, type, label, packing and oneof of our schema is the SDK's."""
    from sagemaker.amazon import record_pb2

    theirs, ours = descriptor_pb2.FileDescriptorProto(), descriptor_pb2.FileDescriptorProto()
    record_pb2.DESCRIPTOR.CopyToProto(theirs)
    FILE_DESCRIPTOR.CopyToProto(ours)
    assert ours.package == theirs.package == "aialgs.data"
    assert list(ours.message_type) == list(theirs.message_type)


@pytest.mark.parametrize("dims", [1, 3, 37])
def test_agrees_with_the_sdks_own_reader(dims):
    rng = np.random.default_rng(dims)
    data = written(rng.normal(size=(25, dims)), rng.normal(size=25))
    ours = read_records(data)
    theirs = sdk().read_records(io.BytesIO(data))
    assert len(ours) == len(theirs) == 25
    assert [r.SerializeToString() for r in ours] == [r.SerializeToString() for r in theirs]
    assert len(ours[0].features["values"].float32_tensor.values) == dims


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("labelled", [True, False])
def test_our_writer_writes_the_sdks_bytes(dtype, labelled):
    rng = np.random.default_rng(7)
    features, labels = rng.normal(size=(9, 4)).astype(dtype), rng.normal(size=9).astype(dtype)
    ours = write_dense_records(features.tolist(), labels.tolist() if labelled else None, dtype=dtype)
    assert ours == written(features, labels if labelled else None, dtype)
    assert [r.SerializeToString() for r in sdk().read_records(io.BytesIO(ours))] == \
        [r.SerializeToString() for r in read_records(ours)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.floats(width=32, allow_nan=False), min_size=1, max_size=6), min_size=1, max_size=8)
       .filter(lambda rows: len({len(r) for r in rows}) == 1),
       st.data())
def test_byte_for_byte_on_any_float32_matrix(rows, data):
    labels = data.draw(st.lists(st.floats(width=32, allow_nan=False), min_size=len(rows), max_size=len(rows)))
    ours = write_dense_records(rows, labels)
    assert ours == written(rows, labels)
    decoded = read_records(ours)
    assert [list(r.features["values"].float32_tensor.values) for r in decoded] == rows
    assert [r.label["values"].float32_tensor.values[0] for r in decoded] == labels


def test_the_other_fields_round_trip():
    from grader.recordio import Record

    record = Record(uid="row-1", metadata="m", configuration="c")
    record.features["values"].int32_tensor.values.extend([1, -2])
    record.features["image"].bytes.value.append(b"\x89PNG")
    record.features["image"].bytes.content_type = "image/png"
    record.label["values"].float64_tensor.values.append(0.5)
    record.features["values"].int32_tensor.shape.append(2)
    from sagemaker.amazon import record_pb2

    theirs = record_pb2.Record()
    theirs.ParseFromString(record.SerializeToString())
    assert theirs.uid == "row-1" and theirs.configuration == "c" and list(theirs.features["values"].int32_tensor.values) == [1, -2]
    assert theirs.features["image"].bytes.content_type == "image/png" and theirs.label["values"].float64_tensor.values[0] == 0.5
    assert theirs.features["values"].WhichOneof("value") == "int32_tensor"


def test_a_cut_off_record_is_left_out():
    data = written([[1.0], [2.0], [3.0]], [0.1, 0.2, 0.3])
    payloads, end = split_recordio(data)
    assert len(payloads) == 3 and end == len(data)
    cut = data[: len(data) - 5]
    assert len(read_records(cut)) == 2
    assert split_recordio(b"1.0,54\n0.14,46\n") == ([], 0)  # CSV is not RecordIO


def test_reading_does_not_import_the_sdk_package():
    code = ("import sys; from grader.recordio import read_records, write_dense_records; "
            "r = read_records(write_dense_records([[1.0, 2.0]], [3.0])); "
            "print(list(r[0].features['values'].float32_tensor.values), "
            "'sagemaker' in sys.modules, 'pandas' in sys.modules, 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[1.0, 2.0] False False False"
