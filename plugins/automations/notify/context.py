"""Build a RunReport from an Airflow task callback's context: the XComs of clone, build, gate and deploy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .report import Outcome, RunReport, Status, run_url, short_error, verdict_text

if TYPE_CHECKING:
    from ..loader import LoadedAutomation


def _base_url() -> str:
    from airflow.configuration import conf

    return conf.get("api", "base_url", fallback="http://localhost:8080/")


def _pull(ti: Any, task_id: str, key: str = "return_value") -> Any:
    from ..tasks import xcom_of  # the one module that reads XCom

    return xcom_of(ti, task_id, key)


def _execution_date(context: Mapping[str, Any]) -> str:
    dag_run = context.get("dag_run")
    when: Any = context.get("logical_date") or getattr(dag_run, "logical_date", None)
    when = when or getattr(dag_run, "run_after", None)  # manual runs may have no logical date in Airflow 3
    return when.isoformat() if hasattr(when, "isoformat") else str(when or "")


def report_from_context(automation: LoadedAutomation, context: Mapping[str, Any], status: Status) -> RunReport:
    ti = context["ti"]
    run_id = str(context.get("run_id") or ti.run_id)
    clone, build = _pull(ti, "clone") or {}, _pull(ti, "build") or {}
    common: dict[str, Any] = {
        "automation": automation.name,
        "model_id": automation.spec.model_id,
        "run_id": run_id,
        "execution_date": _execution_date(context),
        "run_url": run_url(_base_url(), ti.dag_id, run_id),
        "status": status,
        "build_id": build.get("build_id"),
        "commit": build.get("commit") or clone.get("commit"),
        "metrics": build.get("metrics") or {},
    }
    if status is Status.failure:
        return RunReport(
            **common,
            outcome=Outcome.failed,
            failed_task=ti.task_id,
            error=short_error(context.get("exception")),
            log_url=ti.log_url,
        )
    deployed = ti.task_id == "deploy"
    skip_reason = "" if deployed else str(_pull(ti, "skip_deploy") or "")
    verdict = verdict_text(_pull(ti, "metric_gate", "verdict") or {}, skip_reason)
    endpoint = (_pull(ti, "deploy") or {}).get("endpoint") if deployed else None
    return RunReport(
        **common, outcome=Outcome.deployed if deployed else Outcome.not_deployed, verdict=verdict, endpoint=endpoint
    )
