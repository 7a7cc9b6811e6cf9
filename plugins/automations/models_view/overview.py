"""The Models view's data, as JSON-ready dicts: pure functions over the analytics reads and Airflow's DAG state.

Kept apart from the FastAPI app so the shapes are tested without a server, and the app only does I/O and auth.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Optional
from urllib.parse import quote

from ..analytics.history import Deployed, History, RunOutcome, TriggerChecks
from .airflow_state import AUTOMATION_TAG, DagState


def run_url(base_path: str, dag_id: str, run_id: Optional[str]) -> Optional[str]:
    """The Airflow UI page of one DAG run (Airflow 3's ``/dags/<dag_id>/runs/<run_id>`` route)."""
    if not run_id:
        return None
    return f"{base_path}/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"


def overview_rows(
    dags: dict[str, DagState], deployed: dict[str, list[Deployed]], outcomes: dict[str, RunOutcome], base_path: str
) -> list[dict[str, Any]]:
    """One row per automation the user may read, sorted by name."""
    return [_row(state, deployed.get(name, []), outcomes.get(name), base_path) for name, state in sorted(dags.items())]


def _row(state: DagState, deployed: list[Deployed], outcome: Optional[RunOutcome], base_path: str) -> dict[str, Any]:
    model_tags = [t for t in state.tags if t != AUTOMATION_TAG]
    return {
        "automation": state.dag_id,
        "model_id": outcome.model_id if outcome else (model_tags[0] if model_tags else None),
        "variations": sorted({d.variation for d in deployed}),
        "deployed": [dict(vars(d)) for d in deployed],
        "paused": state.paused,
        "next_run": None if state.paused else state.next_run,
        "last_run": last_run(state, outcome, base_path),
        "url": f"{base_path}/dags/{quote(state.dag_id, safe='')}",
    }


def last_run(state: DagState, outcome: Optional[RunOutcome], base_path: str) -> Optional[dict[str, Any]]:
    """The newest Airflow run, told with the analytics store's verdict when it recorded that run."""
    if state.last_run_id is None:
        return None
    recorded = outcome if outcome and outcome.dag_run_id == state.last_run_id else None
    result, reason = _result(state, recorded)
    return {
        "run_id": state.last_run_id,
        "state": state.last_run_state,
        "result": result,
        "reason": reason,
        "failed_tasks": list(state.failed_tasks),
        "url": run_url(base_path, state.dag_id, state.last_run_id),
    }


def _result(state: DagState, recorded: Optional[RunOutcome]) -> tuple[str, str]:
    if state.failed_tasks:
        return "failed", f"failed at {', '.join(state.failed_tasks)}"
    if state.last_run_state in ("running", "queued"):
        return str(state.last_run_state), "the run is not finished"
    if recorded is not None:
        return recorded.result, recorded.reason
    return str(state.last_run_state), "nothing recorded in the analytics store for this run"


def history_payload(
    name: str,
    state: DagState,
    history: History,
    branches: dict[str, str],
    base_path: str,
    trigger: Optional[TriggerChecks] = None,
) -> dict[str, Any]:
    """Builds newest first, the metric series oldest first (for plotting), deploys and rollbacks, trigger checks."""
    builds = [
        {**asdict(b), "branch": branches.get(b.dag_run_id), "url": run_url(base_path, name, b.dag_run_id)}
        for b in history.builds
    ]
    return {
        "automation": name,
        "paused": state.paused,
        "url": f"{base_path}/dags/{quote(name, safe='')}",
        "metrics": list(history.metric_names),
        "series": {metric: metric_series(history, metric) for metric in history.metric_names},
        "builds": builds,
        "deploys": [asdict(d) for d in history.deploys],
        "trigger": None if trigger is None else asdict(trigger),
    }


def metric_series(history: History, metric: str) -> dict[str, list[Any]]:
    """Parallel lists, oldest build first: the value, the gate's threshold at that run, and deployed marks."""
    points = [b for b in reversed(history.builds) if metric in b.metrics]
    return {
        "build_id": [b.build_id for b in points],
        "finished": [b.finished for b in points],
        "value": [b.metrics[metric] for b in points],
        "threshold": [_threshold(b.verdicts, metric) for b in points],
        "deployed": [b.deployed for b in points],
    }


def _threshold(verdicts: tuple[Any, ...], metric: str) -> Optional[float]:
    # A SQL threshold is stored as the number it returned at that run, so the line shows its value then.
    for verdict in verdicts:
        if verdict.metric_name == metric and verdict.threshold is not None:
            return float(verdict.threshold)
    return None
