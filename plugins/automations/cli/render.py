"""render: what an automation would create, as YAML documents: the DAG's tasks, then every Kubernetes object."""

from __future__ import annotations

import argparse
import sys
from types import ModuleType
from typing import Any

import yaml

from ..backends import REQUIRED_ROLES, backend_module, optional_backend_module
from ..loader import load_definitions
from ..settings import Backend, get_settings

COMMAND = "render"
HELP = "Print the DAG's tasks and the objects the backend would create for automation NAME, as YAML."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="the automation's name (its dag_id)")
    parser.add_argument("--backend", choices=[b.value for b in Backend], help="default: AUTOMATIONS_BACKEND")


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    if args.backend:
        settings = settings.replace(backend=Backend(args.backend))
    automation = load_definitions(settings, only=args.name).by_name().get(args.name)
    if automation is None:
        print(f"no valid automation named {args.name!r} (run `python -m automations validate`)", file=sys.stderr)
        return 1
    docs = [dag_document(automation, settings)] + backend_documents(automation, settings)
    yaml.safe_dump_all(docs, sys.stdout, sort_keys=False)
    return 0


def dag_document(automation, settings) -> dict[str, Any]:
    from ..compiler import compile_dag

    dag = compile_dag(automation, settings)
    return {
        "kind": "AirflowDag",
        "dag_id": dag.dag_id,
        "schedule": _schedule_text(dag),
        "is_paused_upon_creation": dag.is_paused_upon_creation,
        "tags": sorted(dag.tags),
        "params": {name: dag.params[name] for name in dag.params},
        "tasks": [
            {"task_id": t.task_id, "operator": type(t).__name__, "downstream": sorted(t.downstream_task_ids)}
            for t in dag.tasks
        ],
    }


def _schedule_text(dag) -> str:
    summary = getattr(dag.timetable, "summary", None)
    return str(summary) if summary else "None"


def backend_documents(automation, settings) -> list[dict]:
    from ..compiler import pushes_image

    spec, own = automation.spec, settings.backend_slice()
    if spec.is_batch:  # one task on the worker, no build or deploy objects
        return []
    modules: list[ModuleType | None] = [backend_module(settings.backend, role) for role in REQUIRED_ROLES]
    if pushes_image(spec):
        modules.append(optional_backend_module(settings.backend, "image"))
    docs: list[dict] = []
    for module in modules:
        renderer = getattr(module, "render", None)
        if renderer is not None:
            docs.extend(renderer(spec, own))
    return docs
