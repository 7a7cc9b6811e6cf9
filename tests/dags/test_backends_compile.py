"""Every backend compiles every fixture definition into the same task wiring, with its own build operator."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.loading import load_now

from automations.compiler import compile_dag
from automations.settings import Backend, get_settings

pytestmark = pytest.mark.dags

VALID = Path(__file__).resolve().parents[1] / "fixtures" / "definitions" / "valid"
BUILD_OPERATOR = {
    Backend.local: "PythonOperator",
    Backend.docker: "DockerOperator",
    Backend.kubernetes: "KubernetesPodOperator",
}


@pytest.fixture(scope="module")
def automations():
    return load_now([VALID]).automations


@pytest.mark.parametrize("backend", list(Backend), ids=[b.value for b in Backend])
def test_backend_wiring(automations, backend):
    settings = get_settings().replace(backend=backend, registry="registry.example.com/ml")  # kubernetes needs one
    for automation in automations:
        dag = compile_dag(automation, settings)
        build = dag.get_task("build")
        assert BUILD_OPERATOR[backend] in [cls.__name__ for cls in type(build).__mro__], automation.name
        assert build.on_success_callback and build.on_failure_callback
        gate_upstream = dag.get_task("metric_gate").upstream_task_ids
        assert gate_upstream == ({"push_image"} if "push_image" in dag.task_ids else {"build"})
        assert dag.get_task("metric_gate").downstream_task_ids == {"deploy", "skip_deploy"}


def test_image_step_exists_where_the_backend_builds_images(automations):
    for backend, has_image in ((Backend.local, False), (Backend.docker, True), (Backend.kubernetes, True)):
        dag = compile_dag(automations[0], get_settings().replace(backend=backend, registry="registry.example.com/ml"))
        assert ("push_image" in dag.task_ids) is has_image, backend


def test_kubernetes_is_the_default_backend(monkeypatch):
    monkeypatch.delenv("AUTOMATIONS_BACKEND")
    assert get_settings().backend is Backend.kubernetes
