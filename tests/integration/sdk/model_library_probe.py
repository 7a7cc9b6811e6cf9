"""Runs inside a venv holding the real qwak-core or frogml (argv[1]: "qwak" or "frogml"), with plugins/ on
PYTHONPATH. Models written against the library go through model_runtime's serving path (adapters.py) and through
the library's own ``run_local`` for the same body; logged params, log_data and schema() go through the build's
collectors. Prints one JSON document for the test to check.
"""

from __future__ import annotations

import json
import sys

import pandas as pd

from model_runtime.adapters import model_io
from model_runtime.discovery import wire_model_libraries
from model_runtime.libraries import enter_local_mode
from model_runtime.metrics import collect, collect_params
from model_runtime.model_schema import model_schema

LIBRARY = sys.argv[1]

if LIBRARY == "qwak":
    import qwak as lib
    from qwak.model.adapters import (
        DataFrameOutputAdapter,
        DefaultOutputAdapter,
        JsonInputAdapter,
        JsonOutputAdapter,
        StringInputAdapter,
    )
    from qwak.model.base import QwakModel as Base
    from qwak.model.schema import ExplicitFeature, FeatureStoreInput, InferenceOutput, ModelSchema
    from qwak.model.tools import run_local
else:
    import frogml as lib
    from frogml.sdk.model.adapters import (
        DataFrameOutputAdapter,
        DefaultOutputAdapter,
        JsonInputAdapter,
        JsonOutputAdapter,
        StringInputAdapter,
    )
    from frogml.sdk.model.base import BaseModel as Base
    from frogml.sdk.model.schema import ExplicitFeature, FeatureStoreInput, InferenceOutput, ModelSchema
    from frogml.sdk.model.tools import run_local

enter_local_mode()
wire_model_libraries()  # as load_model/load_artifact do before the model's module is imported


class JsonModel(Base):
    def build(self):
        lib.log_param({"depth": 3, "optimizer": "adam"})
        lib.log_metric({"f1_score": 0.8})
        lib.log_data(pd.DataFrame({"x": [1, 2]}), tag="training")  # local mode: returns without a server

    @lib.api(input_adapter=JsonInputAdapter(), output_adapter=JsonOutputAdapter())
    def predict(self, data):
        return {"n": len(data["items"]), "total": sum(data["items"])}

    def schema(self):
        return ModelSchema(
            inputs=[ExplicitFeature(name="items", type=int)],
            outputs=[InferenceOutput(name="total", type=float)],
        )


class FeatureStoreModel(Base):
    def build(self):
        pass

    def predict(self, df):
        return df

    def schema(self):
        return ModelSchema(inputs=[FeatureStoreInput(name="users.age")])


class SplitFrameModel(Base):
    def build(self):
        pass

    @lib.api(output_adapter=DataFrameOutputAdapter(output_orient="split"))
    def predict(self, df):
        return pd.DataFrame({"doubled": df["x"] * 2})


class TextModel(Base):
    def build(self):
        pass

    @lib.api(input_adapter=StringInputAdapter(), output_adapter=DefaultOutputAdapter())
    def predict(self, text):
        return text.upper()


class DefaultModel(Base):
    def build(self):
        pass

    @lib.api()
    def predict(self, df):
        return df["x"] + 1  # a Series: Qwak's DataFrameOutput turns it into records of one column


class PlainModel(Base):  # no @api: the server's own behaviour
    def build(self):
        pass

    def predict(self, df):
        return df["x"] + 1


def ours(model, body: str):
    io = model_io(model)
    return {"answer": io.call(model, io.read(body.encode())), "mergeable": io.mergeable}


def theirs(model, body: str):
    answer = json.loads(run_local(model, body))
    enter_local_mode()  # run_local deletes the switch when it leaves its own local mode
    return answer


CASES = {
    "json": (JsonModel, json.dumps({"items": [1, 2, 3]})),
    "split": (SplitFrameModel, json.dumps([{"x": 1}, {"x": 5}])),
    "text": (TextModel, "hello"),
    "default": (DefaultModel, json.dumps({"x": {"0": 1, "1": 5}})),  # pandas "columns" orient
}

out = {}
for name, (cls, body) in CASES.items():
    model = cls()
    model.build()
    out[name] = {**ours(model, body), "library": theirs(cls(), body)}
plain = PlainModel()
out["plain"] = ours(plain, json.dumps([{"x": 1}, {"x": 5}]))

built = JsonModel()
built.build()
out["metrics"] = collect(None)
out["params"] = collect_params({"from_spec": "yes"})
out["schema"], out["schema_warnings"] = model_schema(built)
out["feature_store_schema"] = model_schema(FeatureStoreModel())
print(json.dumps(out))
