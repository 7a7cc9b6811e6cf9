"""The benchmark's baseline builds the same DAGs as ours: a ratio against different DAGs would mean nothing."""

from __future__ import annotations

import json
import runpy

import pytest
from bench.definitions import write_definitions
from bench.hand_written import hand_written

from automations.compiler import compile_dag
from automations.dagfile import load_definitions
from automations.settings import Backend, get_settings

pytestmark = pytest.mark.unit

COMPUTE = ("cpu", "memory", "nvidia.com/gpu")
N = 12  # covers every variant: each GPU type (one with several node labels), push_image off, interval, SQL gate


def _shape(dag) -> dict:
    return {
        "description": dag.description,
        "doc_md": dag.doc_md,
        "tags": sorted(dag.tags),
        "paused": dag.is_paused_upon_creation,
        "timetable": type(dag.timetable).__name__ + dag.timetable.summary,
        "params": json.dumps(dag.params.dump(), sort_keys=True, default=str),
        "wiring": {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks},
        "operators": {t.task_id: type(t).__mro__[-3].__name__ for t in dag.tasks},
        "callbacks": bool(dag.get_task("build").on_success_callback and dag.get_task("build").on_failure_callback),
    }


def _pods(dag) -> dict:
    """What differs per automation in the build and push_image pods: labels, compute resources and placement.

    (Hardening that is the same for every pod, such as security contexts and storage limits, is left to ours.)
    """
    from kubernetes.client import ApiClient

    pods = {}
    for task in dag.tasks:
        if hasattr(task, "build_pod_request_obj"):
            pod = ApiClient().sanitize_for_serialization(task.build_pod_request_obj(None, dry_run=True))
            spec, resources = pod["spec"], pod["spec"]["containers"][0].get("resources", {})
            pods[task.task_id] = {
                "labels": {k: v for k, v in pod["metadata"]["labels"].items() if not k.startswith("airflow")},
                "resources": {k: {r: v[r] for r in COMPUTE if r in v} for k, v in resources.items()},
                "placement": [spec.get(k) for k in ("nodeSelector", "affinity", "tolerations")],
            }
    return pods


@pytest.mark.parametrize("backend", [Backend.kubernetes, Backend.local], ids=lambda b: b.value)
def test_hand_written_dags_match_ours(tmp_path, monkeypatch, backend):
    monkeypatch.chdir(tmp_path)  # docs show the definition's path relative to the working directory
    write_definitions(N, tmp_path / "definitions")
    settings = get_settings().replace(
        automations_dir=tmp_path / "definitions", backend=backend, registry="registry.example.com/ml"
    )
    result = load_definitions(settings)
    assert result.errors == [] and len(result.automations) == N
    ours = {a.name: compile_dag(a, settings) for a in result.automations}
    (tmp_path / "hand.py").write_text(hand_written(N, backend.value, "definitions"))
    hand = {v.dag_id: v for v in runpy.run_path(str(tmp_path / "hand.py")).values() if type(v).__name__ == "DAG"}
    assert sorted(hand) == sorted(ours)
    for dag_id, dag in ours.items():
        assert _shape(hand[dag_id]) == _shape(dag), dag_id
        if backend is Backend.kubernetes:
            assert _pods(hand[dag_id]) == _pods(dag), dag_id
