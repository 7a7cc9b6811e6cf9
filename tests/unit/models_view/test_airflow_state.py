"""The branch a run cloned, read from the stored clone XCom through the run contract."""

from __future__ import annotations

import json

import pytest

from automations.models_view.airflow_state import _branch
from support.runs import clone_result

pytestmark = pytest.mark.unit


def test_the_branch_comes_from_the_clone_result_as_stored():
    stored = json.dumps(clone_result(branch="release/2.1").to_xcom())
    assert _branch(stored) == "release/2.1"
    assert _branch(clone_result(branch="main").to_xcom()) == "main"  # a backend that returns the dict itself


@pytest.mark.parametrize(
    "stored",
    ["not json", json.dumps([1, 2]), json.dumps({"branch": "x"}), None, json.dumps(clone_result(branch="").to_xcom())],
)
def test_anything_the_contract_refuses_or_without_a_branch_is_none(stored):
    assert _branch(stored) is None
