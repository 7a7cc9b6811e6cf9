"""Operator extra links of each run: the git commit (clone), the deployed endpoint (deploy) and the gate verdict
(metric_gate).

Airflow 3 evaluates ``get_link`` on the worker when the task finishes and stores the URL as an XCom, which the UI
reads; an empty string means "no link" (the commit of a repo on an unknown host, a deploy that failed).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from airflow.sdk import BaseOperatorLink

from .links import commit_url

VERDICT_LINE_KEY = "verdict_line"  # metric_gate's XCom holding links.verdict_line(verdict)


def _xcom(ti_key: Any, key: str = "return_value") -> Any:
    from airflow.sdk.execution_time.xcom import XCom

    try:
        return XCom.get_value(ti_key=ti_key, key=key)
    except Exception:  # noqa: BLE001 - a missing value is "no link", never a failed task
        return None


def ui_path(ti_key: Any, tab: str) -> str:
    from airflow.configuration import conf

    base = conf.get("api", "base_url", fallback="").rstrip("/")
    run = quote(ti_key.run_id, safe="")
    return f"{base}/dags/{ti_key.dag_id}/runs/{run}/tasks/{ti_key.task_id}/{tab}"


class CommitLink(BaseOperatorLink):
    """The commit clone checked out, on the repo host's web UI (GitHub, GitLab, Bitbucket, Codeberg)."""

    name = "Git commit"

    def __init__(self, git_uri: str = "") -> None:
        self.git_uri = git_uri

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        result = _xcom(ti_key) or {}
        return commit_url(self.git_uri, result.get("commit") if isinstance(result, dict) else None) or ""


class EndpointLink(BaseOperatorLink):
    """Where the deployed model serves."""

    name = "Deployed endpoint"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        result = _xcom(ti_key) or {}
        endpoint = result.get("endpoint") if isinstance(result, dict) else None
        return str(endpoint) if endpoint else ""


class GateVerdictLink(BaseOperatorLink):
    """The gate's XCom in the UI, whose ``verdict_line`` reads e.g. ``deploy: f1_score 0.97 > 0.9``."""

    name = "Gate verdict"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        return ui_path(ti_key, "xcom") if _xcom(ti_key, VERDICT_LINE_KEY) else ""


def attach(clone: Any, gate: Any, deploy: Any, git_uri: str) -> None:
    """Give the run's tasks their links (instance attributes: the operators are plain PythonOperators)."""
    clone.operator_extra_links = (CommitLink(git_uri),)
    gate.operator_extra_links = (GateVerdictLink(),)
    deploy.operator_extra_links = (EndpointLink(),)
