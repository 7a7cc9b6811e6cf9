"""Request bodies to DataFrames and predictions to JSON, without importing pandas/numpy at module import.

Accepted request bodies (JSON), as qwak-inference's / frogml's RealTimeClient send them (a list or dict through
``json.dumps``, a DataFrame through ``to_json(orient=...)``, "split" by default):
  * a list of records: ``[{"a": 1, "b": 2}, ...]`` (the documented form), or one record ``{"a": 1, "b": 2}``;
  * "split": ``{"columns": [...], "data": [[...]], "index": [...]}``;
  * "records" (a list of records), "values" (a list of rows, columns named 0..n-1);
  * "index": ``{"0": {"a": 1}, ...}`` and "columns": ``{"a": {"0": 1}, ...}`` (told apart by which side has the
    integer-like labels a default index gives; pandas' own default reading is "columns");
  * "table": ``{"schema": {...}, "data": [records]}`` (the index field dropped).

Answers are a JSON list, one entry per record: a DataFrame's rows as records. Both client output formats read
that: DICTIONARY returns it as parsed, PANDAS passes it to ``pd.DataFrame(...)``, which gives the model's columns.
"""

from __future__ import annotations

import json
import math
from itertools import chain
from typing import Any

from . import fast_json


class BadRequest(ValueError):
    """The request body is not something /predict accepts; the message goes back to the caller (400)."""


def parse_records(body: bytes) -> list[dict]:
    """The records of a /predict body, as a list of dicts."""
    try:
        data = fast_json.loads(body) if body else None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from None
    except RecursionError:  # e.g. 200,000 nested "[": the parser recurses per level
        raise BadRequest("body is not valid JSON: nested too deeply") from None
    if isinstance(data, dict):
        return _from_mapping(data)
    if not isinstance(data, list):
        raise BadRequest(f"expected a JSON list of records, got {type(data).__name__}")
    if data and all(isinstance(r, list) for r in data):  # orient="values"
        return [dict(enumerate(row)) for row in data]
    if not all(isinstance(r, dict) for r in data):
        raise BadRequest("expected a JSON list of records (objects); found a non-object item")
    return data


def _from_mapping(data: dict) -> list[dict]:
    if "schema" in data and isinstance(data.get("data"), list):  # orient="table"
        return _from_table(data)
    if "columns" in data and "data" in data:  # orient="split"
        return _from_split(data["columns"], data["data"])
    values = list(data.values())
    if values and all(isinstance(v, dict) for v in values):
        return _from_nested(data)
    if any(isinstance(v, (dict, list)) for v in values):
        raise BadRequest("a JSON object body must be one record, or a pandas split/index/columns/table document")
    return [data]  # one feature vector, as RealTimeClient sends a dict


def _from_split(columns: Any, rows: Any) -> list[dict]:
    if not isinstance(columns, list) or not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise BadRequest('"columns" must be a list and "data" a list of lists')
    if any(len(r) != len(columns) for r in rows):
        raise BadRequest('every row of "data" must have one value per column')
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _from_table(data: dict) -> list[dict]:
    keys = (data.get("schema") or {}).get("primaryKey") or []
    rows = data["data"]
    if not all(isinstance(r, dict) for r in rows):
        raise BadRequest('"data" of a table document must be a list of records')
    return [{k: v for k, v in row.items() if k not in keys} for row in rows]


def _integer_like(labels: Any) -> bool:
    return all(str(label).lstrip("-").isdigit() for label in labels)


def _from_nested(data: dict[str, dict]) -> list[dict]:
    inner = {key for value in data.values() for key in value}
    if _integer_like(data) and not _integer_like(inner):  # orient="index": row label -> record
        return list(data.values())
    rows = sorted(inner, key=lambda k: int(k) if _integer_like([k]) else 0)  # orient="columns": column -> rows
    return [{column: values.get(row) for column, values in data.items()} for row in rows]


def warm_up() -> None:
    """Import what every worker's first request would otherwise import: pandas, and narwhals' pandas layer, which
    scikit-learn (1.6+) loads lazily in its feature-name check on the first predict() (65-270 ms here)."""
    frame = to_frame([{"a": 1.0}])
    try:
        import narwhals.stable.v2 as nw  # present only where the model's libraries brought it

        nw.from_native(frame, eager_only=True)
        nw.from_native(frame["a"], series_only=True)
    except Exception:  # an absent or different narwhals: nothing to warm
        pass


def to_frame(records: list[dict]):
    import pandas as pd  # the model's environment always has pandas (install adds it)

    frame = _numeric_frame(records)
    return frame if frame is not None else pd.DataFrame.from_records(records)


# Column dtypes from_records infers from the exact Python types in a column (JSON gives only these numeric ones).
_NUMERIC_DTYPES = {
    frozenset({float}): "float64",
    frozenset({float, int}): "float64",
    frozenset({int}): "int64",
    frozenset({bool}): "bool",
}
_MIXED = frozenset({float, int})  # a column's dtype then depends on whether that column has a float
_NUMERIC_TYPES = frozenset({float, int, bool})


def _numeric_frame(records: list[dict]):
    """The frame from_records would build, when every record has the same keys in the same order and every column
    is all numbers or all booleans (the usual feature vectors), or None. Built from arrays of known dtype: about
    twice as fast as from_records, which infers each column's type value by value (0.35 against 0.8 ms per 100
    records of 30 floats here); anything else (strings, nulls, ragged records) is left to from_records."""
    if not records or not isinstance(records[0], dict):
        return None
    keys = tuple(records[0])
    if not keys or any(tuple(record) != keys for record in records):
        return None
    rows = [list(record.values()) for record in records]
    kinds = frozenset(map(type, chain.from_iterable(rows)))
    if not kinds <= _NUMERIC_TYPES:
        return None
    import numpy as np
    import pandas as pd

    try:
        if kinds in _NUMERIC_DTYPES and kinds != _MIXED:  # every column has the one dtype: one 2-D block
            return pd.DataFrame(np.array(rows, dtype=_NUMERIC_DTYPES[kinds]), columns=list(keys))
        columns = list(zip(*rows, strict=True))
        dtypes = [_NUMERIC_DTYPES.get(frozenset(map(type, column))) for column in columns]
        if None in dtypes:  # a column mixing booleans and numbers: from_records makes it an object column
            return None
        arrays = {key: np.array(column, dtype=dtype) for key, column, dtype in zip(keys, columns, dtypes, strict=True)}
        return pd.DataFrame(arrays)
    except OverflowError:  # an integer past int64: from_records keeps it as an object
        return None


def to_jsonable(value: Any) -> Any:
    """DataFrame -> list of records, Series/ndarray -> list, numpy scalars -> Python, NaN/inf -> None."""
    kind = type(value).__name__
    if kind == "DataFrame" and hasattr(value, "to_json"):
        return fast_json.loads(value.to_json(orient="records", date_format="iso"))  # pandas converts numpy/dates
    if kind == "Series" and hasattr(value, "to_json"):
        return fast_json.loads(value.to_json(orient="values", date_format="iso"))
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return to_jsonable(value.tolist())  # ndarray, numpy scalar
    if isinstance(value, dict):
        return _dict_jsonable(value)
    if isinstance(value, list):
        return _list_jsonable(value)
    if isinstance(value, (tuple, set)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _plain(value: Any) -> bool:
    """A value json.dumps writes as it is (exact types: numpy's float64 subclasses float but is converted)."""
    kind = type(value)
    return value is None or kind in (str, int, bool) or (kind is float and math.isfinite(value))


def _dict_jsonable(value: dict) -> dict:
    if all(type(k) is str and _plain(v) for k, v in value.items()):
        return value  # already JSON: no copy (a million answers would otherwise exist twice)
    return {str(k): to_jsonable(v) for k, v in value.items()}


def _list_jsonable(items: list) -> list:
    """The list itself when every item is already JSON, else a converted copy."""
    for i, item in enumerate(items):
        converted = to_jsonable(item)
        if converted is not item:
            return items[:i] + [converted] + [to_jsonable(v) for v in items[i + 1 :]]
    return items


def as_list(prediction: Any) -> list:
    """A prediction as a JSON list (one entry per record); a scalar or dict becomes a one-item list."""
    converted = to_jsonable(prediction)
    return converted if isinstance(converted, list) else [converted]


def chunks(records: list[dict], size: int) -> list[list[dict]]:
    """Split a request into batches of at most ``size`` records (max_batch_size); at least one batch."""
    size = max(1, size)
    return [records[i : i + size] for i in range(0, len(records), size)] or [records]
