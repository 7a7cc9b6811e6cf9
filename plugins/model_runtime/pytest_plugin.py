"""Loaded into the model's test runs (``pytest -p model_runtime.pytest_plugin``): before training and, for
``tests/it/``, after deploy.

Qwak / JFrog ML models decorate predict() with ``@qwak.api()``, which only works once the library's runtime is
wired. Their platforms wire it before running tests; so do we, before the tests import the model.

``real_time_client`` is the fixture Qwak's integration tests take: a client of the model just deployed
(``MODEL_IT_ENDPOINT``, set by ``integration``). Before training there is no deployment, so a test asking for it
is skipped with that reason. ``from qwak_mock import real_time_client`` (Qwak's examples) imports this fixture.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import types

import pytest

from . import contract
from .discovery import wire_model_libraries
from .libraries import enter_local_mode
from .realtime_client import LocalRealTimeClient


@pytest.fixture(scope="session")
def real_time_client() -> LocalRealTimeClient:
    endpoint = os.environ.get(contract.ENV_IT_ENDPOINT)
    if not endpoint:
        pytest.skip("real_time_client needs the deployed model: tests/it/ run after deploy")
    return LocalRealTimeClient(endpoint.rstrip("/") + "/predict", os.environ.get(contract.ENV_MODEL_ID, ""))


def _provide_qwak_mock() -> None:
    if "qwak_mock" in sys.modules or importlib.util.find_spec("qwak_mock") is not None:
        return  # the repo brings its own
    module = types.ModuleType("qwak_mock", "real_time_client for tests/it/, as Qwak's build provides it")
    module.real_time_client = real_time_client  # type: ignore[attr-defined]
    sys.modules["qwak_mock"] = module


def pytest_configure(config) -> None:  # noqa: ARG001 - pytest's hook signature
    enter_local_mode()
    wire_model_libraries()
    _provide_qwak_mock()
