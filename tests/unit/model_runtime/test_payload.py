import datetime
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model_runtime.payload import BadRequest, as_list, chunks, parse_records, to_frame, to_jsonable

pytestmark = pytest.mark.unit


def test_records_body():
    assert parse_records(b'[{"a": 1}, {"a": 2, "b": "x"}]') == [{"a": 1}, {"a": 2, "b": "x"}]


def test_split_orient_body_as_qwak_clients_send_it():
    body = json.dumps({"columns": ["a", "b"], "index": [0, 1], "data": [[1, 2], [3, 4]]}).encode()
    assert parse_records(body) == [{"a": 1, "b": 2}, {"a": 3, "b": 4}]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"a": [1, 2], "b": 3}', "must be one record, or a pandas split/index/columns/table document"),
        (b"3", "expected a JSON list of records, got int"),
        (b"[1, 2]", "non-object item"),
        (b"", "got NoneType"),
        (b'{"columns": ["a"], "data": [[1, 2]]}', "one value per column"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_bad_bodies_say_why(body, message):
    with pytest.raises(BadRequest, match=message):
        parse_records(body)


def test_frame_from_records():
    frame = to_frame([{"a": 1, "b": 2.5}, {"a": 3, "b": None}])
    assert list(frame.columns) == ["a", "b"] and len(frame) == 2


def test_dataframe_becomes_records_with_nan_as_null():
    frame = pd.DataFrame({"label": [1, 0], "score": [0.5, np.nan]})
    assert as_list(frame) == [{"label": 1, "score": 0.5}, {"label": 0, "score": None}]


def test_series_ndarray_list_and_scalars():
    assert as_list(pd.Series([1, 2])) == [1, 2]
    assert as_list(np.array([[1.5], [2.5]])) == [[1.5], [2.5]]
    assert as_list([np.int64(3), np.float64(0.5), float("inf")]) == [3, 0.5, None]
    assert as_list(np.float64(1.25)) == [1.25]
    assert as_list({"k": np.int32(4)}) == [{"k": 4}]


def test_other_objects_become_strings_or_iso_dates():
    assert to_jsonable(datetime.date(2024, 1, 2)) == "2024-01-02"
    assert to_jsonable(object).startswith("<class")
    json.dumps(to_jsonable(pd.DataFrame({"t": pd.to_datetime(["2024-01-02"])})))


def test_chunks_split_by_max_batch():
    records = [{"i": i} for i in range(5)]
    assert [len(c) for c in chunks(records, 2)] == [2, 2, 1]
    assert [len(c) for c in chunks(records, 0)] == [1, 1, 1, 1, 1]
    assert chunks([], 3) == [[]]


@pytest.mark.parametrize("orient", ["split", "records", "index", "columns", "table"])
def test_every_dataframe_orientation_a_realtime_client_can_send(orient):
    import pandas as pd

    frame = pd.DataFrame({"x": [0.9, 0.1, 0.5], "name": ["a", "b", "c"]})
    got = parse_records(frame.to_json(orient=orient).encode())
    assert got == frame.to_dict(orient="records")


def test_values_orientation_and_a_single_feature_vector():
    assert parse_records(b'[[1, "a"], [2, "b"]]') == [{0: 1, 1: "a"}, {0: 2, 1: "b"}]
    assert parse_records(b'{"x": 1, "name": "a"}') == [{"x": 1, "name": "a"}]  # RealTimeClient.predict(dict)


def test_answers_that_are_already_json_are_not_copied_and_others_are_converted():
    plain = [{"y": 1, "label": "a"}, {"y": 2.5, "label": None}]
    assert to_jsonable(plain) is plain  # a million answers are not held twice while being written out
    mixed = [{"y": 1}, {"y": float("nan")}, (1, 2)]
    assert to_jsonable(mixed) == [{"y": 1}, {"y": None}, [1, 2]] and mixed[1]["y"] != mixed[1]["y"]


def test_warm_up_loads_narwhals_pandas_layer_when_present_and_is_quiet_without_it(monkeypatch):
    import sys
    import types

    from model_runtime.payload import warm_up

    calls = []
    stable = types.ModuleType("narwhals.stable")
    v2 = types.ModuleType("narwhals.stable.v2")
    v2.from_native = lambda native, **kwargs: calls.append((type(native).__name__, kwargs))  # type: ignore[attr-defined]
    stable.v2 = v2  # type: ignore[attr-defined]
    narwhals = types.ModuleType("narwhals")
    narwhals.stable = stable  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "narwhals", narwhals)
    monkeypatch.setitem(sys.modules, "narwhals.stable", stable)
    monkeypatch.setitem(sys.modules, "narwhals.stable.v2", v2)
    warm_up()
    assert calls == [("DataFrame", {"eager_only": True}), ("Series", {"series_only": True})]
    monkeypatch.setitem(sys.modules, "narwhals.stable.v2", None)  # import fails: nothing to warm
    warm_up()


_VALUES = st.one_of(
    st.floats(allow_nan=False), st.integers(-(2**70), 2**70), st.booleans(), st.none(), st.text(max_size=3)
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "c", 0]), min_size=1, max_size=4, unique=True),
    st.lists(st.lists(_VALUES, min_size=4, max_size=4), min_size=1, max_size=6),
    st.sampled_from(["floats", "ints", "bools", "numbers", "any"]),
    st.booleans(),
)
def test_to_frame_is_exactly_what_from_records_builds(keys, rows, kind, shuffle):
    def value(v, column):
        if kind == "floats":
            return float(column) + 0.5
        if kind == "ints":
            return column
        if kind == "bools":
            return column % 2 == 0
        if kind == "numbers":  # a column of ints next to a column mixing floats and ints
            return column if column % 2 == 0 else (v if isinstance(v, float) else 1)
        return v

    records = [{key: value(row[i], i * 3 + r) for i, key in enumerate(keys)} for r, row in enumerate(rows)]
    if shuffle and len(records) > 1:
        records[-1] = dict(reversed(list(records[-1].items())))  # same keys, another order
    pd.testing.assert_frame_equal(to_frame(records), pd.DataFrame.from_records(records))


def test_numeric_records_are_built_from_arrays_not_by_from_records(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("from_records was called")

    numeric = [{"a": 1.5, "b": 2, "c": True}, {"a": 3, "b": 4, "c": False}]
    monkeypatch.setattr(pd.DataFrame, "from_records", refuse)
    frame = to_frame(numeric)
    assert frame.dtypes.astype(str).tolist() == ["float64", "int64", "bool"]
    assert frame.to_dict(orient="records") == [{"a": 1.5, "b": 2, "c": True}, {"a": 3.0, "b": 4, "c": False}]
    with pytest.raises(AssertionError, match="from_records was called"):
        to_frame([{"a": 1.5, "name": "x"}])  # strings: left to pandas' own inference
