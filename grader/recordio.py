"""RecordIO-protobuf, the training-data format of SageMaker's built-in algorithms, without the SDK.

- The `Record` message (protobuf package `aialgs.data`, so it is wire-compatible with what the
  SDK writes and linear-learner reads) is defined here from the documented schema and built at
  import time with protobuf's descriptor API, in a private descriptor pool: it never clashes
  with the SDK's own `record_pb2` when both are loaded in one process.
- The RecordIO framing: each record is a little-endian magic number, the payload length, the
  payload, then zero padding to a multiple of 4 bytes.
- `write_dense_records` writes what the SDK's `write_numpy_to_dense_tensor` writes (one record
  per row, the row under `features["values"]`, its label under `label["values"]`); the tests
  check both readers and both writers agree byte for byte where the SDK is installed.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

RECORDIO_MAGIC = 0xCED7230A
PACKAGE = "aialgs.data"

_F = descriptor_pb2.FieldDescriptorProto
#: Value's oneof members: name -> (field number, tensor message). Numbers as in the schema.
VALUE_KINDS = {"float32_tensor": (2, "Float32Tensor"), "float64_tensor": (3, "Float64Tensor"),
               "int32_tensor": (7, "Int32Tensor"), "bytes": (9, "Bytes")}
_TENSORS = {"Float32Tensor": _F.TYPE_FLOAT, "Float64Tensor": _F.TYPE_DOUBLE, "Int32Tensor": _F.TYPE_INT32}
_DTYPES = {"float32": "float32_tensor", "float64": "float64_tensor", "int32": "int32_tensor"}


def _field(msg, name: str, number: int, ftype: int, *, repeated: bool = False, type_name: str = "",
           packed: bool = False):
    f = msg.field.add(name=name, number=number, type=ftype,
                      label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL)
    if type_name:
        f.type_name = f".{PACKAGE}.{type_name}"
    if packed:
        f.options.packed = True
    return f


def _schema() -> descriptor_pb2.FileDescriptorProto:
    fd = descriptor_pb2.FileDescriptorProto(name="grader/aialgs_record.proto", package=PACKAGE, syntax="proto2")
    for name, value_type in _TENSORS.items():
        msg = fd.message_type.add(name=name)
        _field(msg, "values", 1, value_type, repeated=True, packed=True)
        _field(msg, "keys", 2, _F.TYPE_UINT64, repeated=True, packed=True)
        _field(msg, "shape", 3, _F.TYPE_UINT64, repeated=True, packed=True)
    raw = fd.message_type.add(name="Bytes")
    _field(raw, "value", 1, _F.TYPE_BYTES, repeated=True)
    _field(raw, "content_type", 2, _F.TYPE_STRING)
    value = fd.message_type.add(name="Value")
    value.oneof_decl.add(name="value")
    for name, (number, type_name) in VALUE_KINDS.items():
        _field(value, name, number, _F.TYPE_MESSAGE, type_name=type_name).oneof_index = 0
    record = fd.message_type.add(name="Record")
    for name, number, entry in (("features", 1, "FeaturesEntry"), ("label", 2, "LabelEntry")):
        nested = record.nested_type.add(name=entry)
        nested.options.map_entry = True
        _field(nested, "key", 1, _F.TYPE_STRING)
        _field(nested, "value", 2, _F.TYPE_MESSAGE, type_name="Value")
        _field(record, name, number, _F.TYPE_MESSAGE, repeated=True, type_name=f"Record.{entry}")
    for name, number in (("uid", 3), ("metadata", 4), ("configuration", 5)):
        _field(record, name, number, _F.TYPE_STRING)
    return fd


def _message_classes() -> dict[str, type]:
    pool = descriptor_pool.DescriptorPool()
    pool.Add(_schema())
    names = [*_TENSORS, "Bytes", "Value", "Record"]
    get = getattr(message_factory, "GetMessageClass", None)
    if get is None:  # protobuf < 4.21
        factory = message_factory.MessageFactory(pool)
        get = factory.GetPrototype
    return {name: get(pool.FindMessageTypeByName(f"{PACKAGE}.{name}")) for name in names}


_CLASSES = _message_classes()
Record: type = _CLASSES["Record"]
Value: type = _CLASSES["Value"]
FILE_DESCRIPTOR = Record.DESCRIPTOR.file


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
    """Parse the whole RecordIO records of `data` into `Record` messages (raises protobuf's
    DecodeError for a record that is not a Record)."""
    records = []
    for payload in split_recordio(data)[0]:
        record = Record()
        record.ParseFromString(payload)
        records.append(record)
    return records


def frame(payload: bytes) -> bytes:
    """One RecordIO record around `payload`."""
    return struct.pack("<II", RECORDIO_MAGIC, len(payload)) + payload + b"\0" * (-len(payload) % 4)


def write_dense_records(features: Iterable[Sequence[Any]], labels: Iterable[Any] | None = None,
                        dtype: str = "float32", label_dtype: str | None = None) -> bytes:
    """RecordIO-protobuf bytes of a dense matrix: one record per row of `features` (its values
    under `features["values"]`), with that row's label under `label["values"]` when `labels` is
    given. `dtype`/`label_dtype`: "float32" (the default, as the lesson writes), "float64" or "int32"."""
    kind = _DTYPES[dtype]
    label_kind = _DTYPES[label_dtype or dtype]
    rows = [list(row) for row in features]
    label_list = None if labels is None else list(labels)
    if label_list is not None and len(label_list) != len(rows):
        raise ValueError(f"{len(label_list)} labels for {len(rows)} rows")
    out = []
    for i, row in enumerate(rows):
        record = Record()
        getattr(record.features["values"], kind).values.extend(row)
        if label_list is not None:
            getattr(record.label["values"], label_kind).values.append(label_list[i])
        out.append(frame(record.SerializeToString()))
    return b"".join(out)
