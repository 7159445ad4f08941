"""The SageMaker SDK (major version 2), used where the lesson's own formats need it.

- Reading RecordIO-protobuf training data: the records are parsed with the SDK's own generated
  protobuf class (`sagemaker/amazon/record_pb2.py`, the `aialgs.data.Record` message that
  linear-learner reads), loaded from the installed SDK by file, without importing the `sagemaker`
  package: that import costs about 3 s and 150 MB (it loads sagemaker-core's models, pandas,
  scipy), prints config notices and installs a traceback hook, for one message class. The
  RecordIO framing around the records (a magic number, a length, padding to 4 bytes) is read
  here, as the SDK's `read_recordio` does; tests check both agree with the SDK's `read_records`
  on data written by its `write_numpy_to_dense_tensor`.
- Writing RecordIO (the demo's synthetic accounts and the tests): the whole SDK, in
  grader/demo/sagemaker_sdk.py (the grading path never imports it).
"""

from __future__ import annotations

import importlib.util
import struct
from functools import cache
from pathlib import Path
from typing import Any

RECORDIO_MAGIC = 0xCED7230A


class SdkMissing(RuntimeError):
    """The SageMaker SDK is not installed (it is a dependency of the grader)."""


@cache
def record_class() -> type:
    """The SDK's `Record` protobuf message class, loaded without importing the SDK package."""
    spec = importlib.util.find_spec("sagemaker")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise SdkMissing("the sagemaker package (major version 2) is not installed")
    path = Path(spec.submodule_search_locations[0]) / "amazon" / "record_pb2.py"
    if not path.is_file():
        raise SdkMissing(f"{path} not found: the installed sagemaker SDK has no RecordIO support (need 2.x)")
    module_spec = importlib.util.spec_from_file_location("grader._sagemaker_record_pb2", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.Record


def split_recordio(data: bytes) -> tuple[list[bytes], int]:
    """The payloads of the whole RecordIO records at the start of `data`, and where they end.
    A record cut off at the end (only part of an object was fetched) is left out."""
    payloads: list[bytes] = []
    pos = 0
    while pos + 8 <= len(data):
        magic, length = struct.unpack_from("<II", data, pos)
        if magic != RECORDIO_MAGIC or pos + 8 + length > len(data):
            break
        payloads.append(data[pos + 8 : pos + 8 + length])
        pos = min(len(data), pos + 8 + ((length + 3) & ~3))
    return payloads, pos


def read_records(data: bytes) -> list[Any]:
    """Parse the whole RecordIO records of `data` into the SDK's `Record` messages (raises the
    protobuf DecodeError for a record that is not a Record)."""
    cls = record_class()
    records = []
    for payload in split_recordio(data)[0]:
        record = cls()
        record.ParseFromString(payload)
        records.append(record)
    return records
