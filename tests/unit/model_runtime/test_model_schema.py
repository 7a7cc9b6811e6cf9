"""Stand-ins with the libraries' attribute names; the real qwak-core/frogml schema is in tests/integration/sdk/."""

from dataclasses import dataclass

import pytest

from model_runtime.model_schema import model_schema

pytestmark = pytest.mark.unit


@dataclass
class ExplicitFeature:
    name: str
    type: type


@dataclass
class InferenceOutput:
    name: str
    type: type


class Schema:
    def __init__(self, inputs, outputs, fail=False):
        self._inputs, self._outputs, self._entities, self.fail = inputs, outputs, [], fail

    def to_proto(self):
        if self.fail:
            raise ValueError("unsupported type list")


class Model:
    def __init__(self, schema):
        self._schema = schema

    def schema(self):
        if isinstance(self._schema, Exception):
            raise self._schema
        return self._schema


def test_a_schema_is_described():
    schema = Schema([ExplicitFeature("age", int), ExplicitFeature("state", str)], [InferenceOutput("score", float)])
    described, warnings = model_schema(Model(schema))
    assert warnings == []
    assert described == {
        "entities": [],
        "inputs": [
            {"kind": "ExplicitFeature", "name": "age", "type": "int"},
            {"kind": "ExplicitFeature", "name": "state", "type": "str"},
        ],
        "outputs": [{"kind": "InferenceOutput", "name": "score", "type": "float"}],
    }


def test_no_schema_method_or_none_means_no_schema():
    assert model_schema(object()) == (None, [])
    assert model_schema(Model(None)) == (None, [])


def test_a_raising_or_unserializable_schema_is_a_warning_not_a_failure():
    assert model_schema(Model(RuntimeError("boom")))[1] == [
        "schema() raised RuntimeError: boom; the build has no schema"
    ]
    described, warnings = model_schema(Model(Schema([ExplicitFeature("x", list)], [], fail=True)))
    assert described["inputs"][0]["type"] == "list"
    assert "cannot be serialized" in warnings[0]


def test_duplicate_names_are_a_warning():
    _, warnings = model_schema(Model(Schema([ExplicitFeature("x", int), ExplicitFeature("x", str)], [])))
    assert warnings == ["schema(): inputs names x more than once"]
