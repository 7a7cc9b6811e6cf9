"""Loaded into the model's test run (``pytest -p model_runtime.pytest_plugin``).

Qwak / JFrog ML models decorate predict() with ``@qwak.api()``, which only works once the library's runtime is
wired. Their platforms wire it before running tests; so do we, before the tests import the model.
"""

from __future__ import annotations

from .discovery import wire_model_libraries


def pytest_configure(config) -> None:  # noqa: ARG001 - pytest's hook signature
    wire_model_libraries()
