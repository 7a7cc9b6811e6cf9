"""What Airflow's metadata DB knows about each automation: paused, next run, newest run and where it failed.

Runs inside the api-server, so it uses Airflow's own session and models; nothing here writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Optional

from ..runs import CloneResult, RunContractError, TaskId

AUTOMATION_TAG = "automation"


@dataclass(frozen=True)
class DagState:
    dag_id: str
    paused: bool
    tags: tuple[str, ...]
    next_run: Optional[str]
    last_run_id: Optional[str]
    last_run_state: Optional[str]
    failed_tasks: tuple[str, ...]


def automation_dags(dag_ids: Optional[Iterable[str]] = None) -> dict[str, DagState]:
    """Every live DAG tagged ``automation`` (optionally only ``dag_ids``), with its newest run."""
    from airflow.models.dag import DagModel, DagTag
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        query = (
            select(DagModel)
            .join(DagTag, DagTag.dag_id == DagModel.dag_id)
            .where(DagTag.name == AUTOMATION_TAG, DagModel.is_stale.is_(False))
        )
        if dag_ids is not None:
            query = query.where(DagModel.dag_id.in_(list(dag_ids)))
        models = session.scalars(query).unique().all()
        runs = _latest_runs(session, [m.dag_id for m in models])
        return {m.dag_id: _state(m, runs.get(m.dag_id)) for m in models}


def _latest_runs(session: Any, dag_ids: list[str]) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from sqlalchemy import func, select

    if not dag_ids:
        return {}
    newest = (
        select(DagRun.dag_id, func.max(DagRun.id).label("id"))
        .where(DagRun.dag_id.in_(dag_ids))
        .group_by(DagRun.dag_id)
        .subquery()
    )
    rows = session.execute(
        select(DagRun.dag_id, DagRun.run_id, DagRun.state).join(newest, newest.c.id == DagRun.id)
    ).all()
    failed = session.execute(
        select(TaskInstance.dag_id, TaskInstance.run_id, TaskInstance.task_id).where(
            TaskInstance.run_id.in_([r.run_id for r in rows]),
            TaskInstance.dag_id.in_(dag_ids),
            TaskInstance.state.in_(["failed", "upstream_failed"]),
        )
    ).all()
    failed_by_run: dict[tuple[str, str], list[str]] = {}
    for dag_id, run_id, task_id in failed:
        failed_by_run.setdefault((dag_id, run_id), []).append(task_id)
    return {
        r.dag_id: (r.run_id, str(r.state), tuple(sorted(failed_by_run.get((r.dag_id, r.run_id), [])))) for r in rows
    }


def _state(model: Any, run: Optional[tuple[str, str, tuple[str, ...]]]) -> DagState:
    next_run = model.next_dagrun_create_after
    return DagState(
        dag_id=model.dag_id,
        paused=bool(model.is_paused),
        tags=tuple(sorted(t.name for t in model.tags)),
        next_run=None if next_run is None else next_run.isoformat(),
        last_run_id=run[0] if run else None,
        last_run_state=run[1] if run else None,
        failed_tasks=run[2] if run else (),
    )


def branches_of_runs(dag_id: str, run_ids: list[str]) -> dict[str, str]:
    """The branch each run cloned, from the ``clone`` task's XCom (what was really used, overrides included)."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    if not run_ids:
        return {}
    with create_session() as session:
        rows = session.execute(
            select(XComModel.run_id, XComModel.value).where(
                XComModel.dag_id == dag_id,
                XComModel.task_id == TaskId.clone.value,
                XComModel.key == "return_value",
                XComModel.run_id.in_(run_ids),
            )
        ).all()
    return {run_id: branch for run_id, value in rows if (branch := _branch(value))}


def _branch(value: Any) -> Optional[str]:
    """The branch of a stored clone XCom, read through the run contract; None for anything it does not accept."""
    try:
        data = json.loads(value) if isinstance(value, (str, bytes)) else value
        return CloneResult.from_xcom(data).branch or None
    except (ValueError, RunContractError):
        return None
