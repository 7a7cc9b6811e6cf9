"""The server's JSON: orjson where installed, json for whatever orjson refuses, and json alone without orjson."""

import json

import numpy as np
import pytest

from model_runtime import fast_json
from model_runtime.payload import BadRequest, parse_records

pytestmark = pytest.mark.unit


@pytest.fixture(params=["orjson", "json only"])
def flavour(request, monkeypatch):
    if request.param == "orjson":
        # orjson is pinned in requirements.txt and the server's packages: missing is a broken install, not a skip.
        assert fast_json.orjson is not None, "orjson is not installed: run make setup"
    else:
        monkeypatch.setattr(fast_json, "orjson", None)
    return request.param


def test_bodies_parse_as_json_parses_them(flavour):
    for body in (b'[{"a": 1, "b": 2.5, "c": "\\u00e9"}]', b"[NaN, Infinity, 1e400]", "[1, 2]"):
        assert json.dumps(fast_json.loads(body)) == json.dumps(json.loads(body))


def test_a_bad_body_gets_json_s_message(flavour):
    with pytest.raises(BadRequest, match="Expecting property name enclosed in double quotes"):
        parse_records(b"{not json")
    with pytest.raises(BadRequest, match="not valid JSON"):
        parse_records(b"\xff\xfe")


def test_answers_round_trip_and_types_orjson_refuses_go_to_json(flavour):
    answer = [{"y": 1, "p": 0.25, "s": "é", "n": None}]
    assert json.loads(fast_json.dumps(answer)) == answer
    assert json.loads(fast_json.dumps([np.float64(0.5), 2**70])) == [0.5, 2**70]
