"""Request bodies to DataFrames and predictions to JSON, without importing pandas/numpy at module import.

Accepted request bodies (JSON):
  * a list of records: ``[{"a": 1, "b": 2}, ...]`` (the documented form);
  * pandas' "split" orient, as Qwak's REST clients send it: ``{"columns": [...], "data": [[...]], "index": [...]}``.
"""

from __future__ import annotations

import json
import math
from typing import Any


class BadRequest(ValueError):
    """The request body is not something /predict accepts; the message goes back to the caller (400)."""


def parse_records(body: bytes) -> list[dict]:
    """The records of a /predict body, as a list of dicts."""
    try:
        data = json.loads(body.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from None
    except RecursionError:  # e.g. 200,000 nested "[": the parser recurses per level
        raise BadRequest("body is not valid JSON: nested too deeply") from None
    if isinstance(data, dict) and "columns" in data and "data" in data:
        columns, rows = data["columns"], data["data"]
        if not isinstance(columns, list) or not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise BadRequest('"columns" must be a list and "data" a list of lists')
        if any(len(r) != len(columns) for r in rows):
            raise BadRequest('every row of "data" must have one value per column')
        return [dict(zip(columns, row, strict=True)) for row in rows]
    if not isinstance(data, list):
        raise BadRequest(f"expected a JSON list of records, got {type(data).__name__}")
    if not all(isinstance(r, dict) for r in data):
        raise BadRequest("expected a JSON list of records (objects); found a non-object item")
    return data


def to_frame(records: list[dict]):
    import pandas as pd  # the model's environment always has pandas (install adds it)

    return pd.DataFrame.from_records(records)


def to_jsonable(value: Any) -> Any:
    """DataFrame -> list of records, Series/ndarray -> list, numpy scalars -> Python, NaN/inf -> None."""
    kind = type(value).__name__
    if kind == "DataFrame" and hasattr(value, "to_json"):
        return json.loads(value.to_json(orient="records", date_format="iso"))  # pandas handles numpy/timestamps
    if kind == "Series" and hasattr(value, "to_json"):
        return json.loads(value.to_json(orient="values", date_format="iso"))
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return to_jsonable(value.tolist())  # ndarray, numpy scalar
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def as_list(prediction: Any) -> list:
    """A prediction as a JSON list (one entry per record); a scalar or dict becomes a one-item list."""
    converted = to_jsonable(prediction)
    return converted if isinstance(converted, list) else [converted]


def chunks(records: list[dict], size: int) -> list[list[dict]]:
    """Split a request into batches of at most ``size`` records (max_batch_size); at least one batch."""
    size = max(1, size)
    return [records[i : i + size] for i in range(0, len(records), size)] or [records]
