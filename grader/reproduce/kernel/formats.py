"""linear-learner's data formats, as the stand-in reads and writes them (no AWS, no moto).

- Training channels: RecordIO-protobuf (`application/x-recordio-protobuf`, what the SDK's
  `write_numpy_to_dense_tensor` and `record_set` write) and CSV with the label in the first
  column (`text/csv`).
- Inference requests: CSV rows, JSON (`{"instances": [{"features": [...]}]}`, or plain lists),
  JSON Lines, and RecordIO-protobuf (what `LinearLearnerPredictor` sends).
- Inference responses (AWS docs, "Linear learner response formats"): JSON
  `{"predictions": [{"score": s, "predicted_label": l}]}`, JSON Lines of the same objects, and
  RecordIO-protobuf records whose `label` map holds `score` and `predicted_label` as float32.

The RecordIO framing and the `aialgs.data.Record` message come from `grader.recordio` (a copy of
it sits next to this module inside the sandbox, as `_recordio.py`; it needs only protobuf).
"""

from __future__ import annotations

import io
import json
import struct

import numpy as np

try:  # inside the sandbox: the copy placed beside this package
    from . import _recordio as recordio  # type: ignore[attr-defined]
except ImportError:  # in the grader's own process
    from grader import recordio

RECORDIO = "application/x-recordio-protobuf"
JSON = "application/json"
JSONLINES = "application/jsonlines"
CSV = "text/csv"


class FormatError(ValueError):
    """A body that is not in the format its content type names."""


def media_type(content_type: str | None) -> str:
    """`text/csv; label_size=1` -> `text/csv`; empty -> ``."""
    return (content_type or "").split(";")[0].strip().lower()


# -- RecordIO-protobuf -----------------------------------------------------------------------
def _tensor_values(tensor) -> tuple[list[float], list[int], list[int]]:
    for kind in ("float32_tensor", "float64_tensor", "int32_tensor"):
        if tensor.HasField(kind):
            t = getattr(tensor, kind)
            return list(t.values), list(t.keys), list(t.shape)
    return [], [], []


def _dense(values: list[float], keys: list[int], shape: list[int]) -> list[float]:
    if not keys:
        return values
    width = shape[0] if shape else (max(keys) + 1 if keys else 0)
    row = [0.0] * width
    for k, v in zip(keys, values, strict=False):
        row[k] = v
    return row


def read_recordio(data: bytes) -> tuple[np.ndarray, np.ndarray | None]:
    """(features (n, d), labels (n,) or None) of RecordIO-protobuf data."""
    try:
        records = recordio.read_records(data)
    except Exception as exc:  # protobuf DecodeError
        raise FormatError(f"not RecordIO-protobuf: {exc}") from exc
    if not records and data:
        raise FormatError("not RecordIO-protobuf: no record found")
    rows, labels = [], []
    for rec in records:
        rows.append(_dense(*_tensor_values(rec.features["values"])))
        if "values" in rec.label:
            vals = _tensor_values(rec.label["values"])[0]
            labels.append(vals[0] if vals else np.nan)
    width = max((len(r) for r in rows), default=0)
    x = np.array([r + [0.0] * (width - len(r)) for r in rows], dtype="float64").reshape(len(rows), width)
    y = np.array(labels, dtype="float64") if labels and len(labels) == len(rows) else None
    return x, y


def write_recordio(rows: list[dict[str, list[float]]]) -> bytes:
    """RecordIO-protobuf records, one per row, each with a `label` map of float32 tensors."""
    cls = recordio.Record
    out = io.BytesIO()
    for row in rows:
        rec = cls()
        for key, values in row.items():
            rec.label[key].float32_tensor.values.extend(float(v) for v in values)
        payload = rec.SerializeToString()
        out.write(struct.pack("<II", recordio.RECORDIO_MAGIC, len(payload)))
        out.write(payload)
        out.write(b"\x00" * ((4 - len(payload) % 4) % 4))
    return out.getvalue()


# -- CSV -------------------------------------------------------------------------------------
def read_csv_rows(data: bytes) -> np.ndarray:
    """Numeric CSV rows (no header) -> (n, d) array."""
    try:
        text = data.decode("utf-8")
        rows = [[float(v) for v in line.split(",")] for line in text.splitlines() if line.strip()]
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormatError(f"not numeric CSV: {exc}") from exc
    width = {len(r) for r in rows}
    if len(width) > 1:
        raise FormatError(f"CSV rows have different numbers of columns: {sorted(width)}")
    return np.array(rows, dtype="float64").reshape(len(rows), width.pop() if width else 0)


def read_training_csv(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """linear-learner's CSV training format: the label first, then the features."""
    table = read_csv_rows(data)
    if table.shape[1] < 2:
        raise FormatError("CSV training data needs a label column and at least one feature column")
    return table[:, 1:], table[:, 0]


# -- inference requests ----------------------------------------------------------------------
def _json_row(item) -> list[float]:
    if isinstance(item, dict):
        if "features" in item:
            return [float(v) for v in item["features"]]
        data = item.get("data", {}).get("features", {})
        if "values" in data:
            return _dense([float(v) for v in data["values"]], list(data.get("keys", [])), list(data.get("shape", [])))
        raise FormatError("a JSON instance needs a 'features' list")
    if isinstance(item, list):
        return [float(v) for v in item]
    return [float(item)]


def parse_request(body: bytes, content_type: str | None) -> np.ndarray:
    """The rows to score from an InvokeEndpoint body, by its content type."""
    kind = media_type(content_type) or CSV
    if kind == CSV:
        return read_csv_rows(body)
    if kind == RECORDIO:
        return read_recordio(body)[0]
    try:
        if kind in (JSONLINES, "application/jsonl"):
            items = [json.loads(line) for line in body.decode("utf-8").splitlines() if line.strip()]
        elif kind == JSON:
            doc = json.loads(body.decode("utf-8"))
            items = doc["instances"] if isinstance(doc, dict) and "instances" in doc else doc
            if isinstance(items, list) and items and not isinstance(items[0], (list, dict)):
                items = [items]  # one flat row
        else:
            raise FormatError(f"linear-learner does not accept content type {content_type!r}")
        rows = [_json_row(i) for i in items]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise FormatError(f"not valid {kind}: {exc}") from exc
    return np.array(rows, dtype="float64")


# -- inference responses ---------------------------------------------------------------------
def _answer_type(accept: str | None) -> str:
    for part in (accept or "").split(","):
        kind = media_type(part)
        if kind in (JSON, JSONLINES, RECORDIO):
            return kind
        if kind == "application/jsonl":
            return JSONLINES
    return JSON  # linear-learner's default, also for */*


def format_response(predictions: list[dict], accept: str | None) -> tuple[bytes, str]:
    """(body, content type) of linear-learner's answer for `predictions` (dicts of score and,
    for classifiers, predicted_label), in the format `accept` asks for."""
    kind = _answer_type(accept)
    if kind == JSONLINES:
        return "".join(json.dumps(p) + "\n" for p in predictions).encode(), JSONLINES
    if kind == RECORDIO:
        rows = [{k: (v if isinstance(v, list) else [v]) for k, v in p.items()} for p in predictions]
        return write_recordio(rows), RECORDIO
    return json.dumps({"predictions": predictions}).encode(), JSON
