"""The mapping of @api adapter classes (by name, as qwak-core/frogml define them) to what predict() gets and what
the server answers. The real libraries, compared with their own run_local, are in tests/integration/sdk/."""

import json

import pandas as pd
import pytest

from model_runtime.adapters import ModelIO, model_io
from model_runtime.payload import BadRequest

pytestmark = pytest.mark.unit


def adapter(name, **attrs):
    return type(name, (), attrs)()


def decorated(fn, input_adapter=None, output_adapter=None):
    fn._input_adapter, fn._output_adapter = input_adapter, output_adapter
    return fn


class Model:
    def __init__(self, fn):
        self.predict = fn


def serve(model, body):
    io = model_io(model)
    return io.call(model, io.read(json.dumps(body).encode() if not isinstance(body, bytes) else body))


def test_an_undecorated_model_is_the_plain_dataframe_and_list():
    model = Model(lambda df: df["x"] * 2)
    assert model_io(model) == ModelIO()
    assert serve(model, [{"x": 1}, {"x": 2}]) == [2, 4]


def test_json_input_gets_the_parsed_body_and_json_output_is_not_wrapped():
    fn = decorated(lambda data: {"keys": sorted(data)}, adapter("JsonInputAdapter"), adapter("JsonOutputAdapter"))
    assert serve(Model(fn), {"b": 1, "a": 2}) == {"keys": ["a", "b"]}
    assert model_io(Model(fn)).mergeable is False


def test_a_subclass_of_an_adapter_is_recognised():
    base = type("StringInputAdapter", (), {})
    mine = type("MyTextAdapter", (base,), {})()
    fn = decorated(lambda text: len(text), mine, adapter("DataFrameOutputAdapter", output_orient="records"))
    assert serve(Model(fn), b"hello") == 5


def test_dataframe_output_orient_and_series():
    out = adapter("DataFrameOutputAdapter", output_orient="columns")
    fn = decorated(lambda df: pd.Series(df["x"] + 1, name="y"), adapter("DataFrameInputAdapter"), out)
    assert serve(Model(fn), [{"x": 1}, {"x": 2}]) == {"y": {"0": 2, "1": 3}}
    assert model_io(Model(fn)).mergeable is False
    records = decorated(lambda df: df, adapter("DataFrameInputAdapter"), adapter("DataFrameOutputAdapter"))
    assert model_io(Model(records)).mergeable is True


def test_numpy_input_gets_an_array():
    fn = decorated(lambda arr: arr.shape, adapter("NumpyInputAdapter"), adapter("JsonOutputAdapter"))
    assert serve(Model(fn), [[1, 2], [3, 4], [5, 6]]) == [3, 2]


def test_an_unsupported_input_adapter_gets_text_and_a_note():
    fn = decorated(lambda text: text, adapter("ProtoInputAdapter"), adapter("DefaultOutputAdapter"))
    io = model_io(Model(fn))
    assert io.notes and "ProtoInputAdapter" in io.notes[0]
    assert serve(Model(fn), b"raw") == "raw"


def test_a_bad_json_body_is_a_bad_request():
    fn = decorated(lambda data: data, adapter("JsonInputAdapter"), adapter("JsonOutputAdapter"))
    with pytest.raises(BadRequest):
        model_io(Model(fn)).read(b"{not json")
