"""Property tests of the loader and the schema: random trees, mutated valid definitions and raw bytes."""

from __future__ import annotations

import time

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from tests.fuzz import stats
from tests.fuzz.harness import check_fuzzed_file, valid_folder
from tests.fuzz.strategies import RAW_BYTES, TREES, dump, mutated
from tests.support.definitions import VALID

from automations.errors import from_validation_error
from automations.spec import Automation

pytestmark = [pytest.mark.unit, pytest.mark.fuzz]

VALID_TREES = [yaml.safe_load(p.read_text()) for p in sorted(VALID.glob("*.yaml"))]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return valid_folder(tmp_path_factory.mktemp("fuzz"))


@given(tree=TREES)
def test_random_yaml_trees_never_crash_the_loader_or_cost_valid_definitions(folder, tree):
    check_fuzzed_file(folder, "fuzzed.yaml", dump(tree), "random YAML tree")


@given(tree=mutated(VALID_TREES))
def test_mutated_valid_definitions_are_accepted_or_rejected_with_file_field_and_reason(folder, tree):
    check_fuzzed_file(folder, "fuzzed.yaml", dump(tree), "mutated valid definition")


@given(content=RAW_BYTES)
def test_raw_bytes_and_yaml_fragments_never_crash_the_loader(folder, content):
    check_fuzzed_file(folder, "fuzzed.yaml", content, "raw bytes / YAML fragments")


@given(tree=TREES | mutated(VALID_TREES))
def test_the_schema_accepts_or_raises_validation_error_and_nothing_else(tree):
    started = time.monotonic()
    try:
        Automation.model_validate(tree)
    except ValidationError as exc:
        errors = from_validation_error("f.yaml", exc)
        assert errors and all(e.reason.strip() for e in errors)
        stats.record("schema (model_validate)", "rejected", time.monotonic() - started)
    except BaseException:
        stats.record("schema (model_validate)", "crashed", time.monotonic() - started)
        raise
    else:
        stats.record("schema (model_validate)", "accepted", time.monotonic() - started)


@given(names=st.lists(st.sampled_from(sorted(p.stem for p in VALID.glob("*.yaml"))), min_size=1, max_size=3))
def test_a_file_claiming_a_valid_definitions_name_never_takes_it_over(folder, names):
    tree = [t for t in VALID_TREES if t["name"] in names]
    result = check_fuzzed_file(folder, "a_claims_names.yaml", dump(tree), "duplicate names")
    assert {e.reason.split("'")[1] for e in result.errors} == set(names)
