"""Typed run results for tests, with placeholder values for the fields a test does not care about."""

from __future__ import annotations

from typing import Any

from automations.runs import BuildResult, CloneResult, DeployResult

COMMIT = "c" * 40


def build_result(metrics: dict | None = None, build_id: str = "b1", **fields: Any) -> BuildResult:
    values: dict[str, Any] = {"commit": COMMIT, "artifact_uri": "file:///artifacts/b1", **fields}
    return BuildResult(metrics=metrics or {}, build_id=build_id, **values)


def clone_result(commit: str = COMMIT, **fields: Any) -> CloneResult:
    return CloneResult(commit=commit, **{"source_uri": "file:///sources/s.tar.gz", **fields})


def deploy_result(endpoint: str, **fields: Any) -> DeployResult:
    return DeployResult(endpoint=endpoint, **fields)
