"""Thin task callables: pull inputs from the context, call one step function, return its XCom.

They hold no step logic; each is bound to its automation with functools.partial by the compiler.
"""

from __future__ import annotations

import logging
from typing import Any

from .loader import LoadedAutomation
from .settings import get_settings

log = logging.getLogger(__name__)

DEPLOY, SKIP_DEPLOY = "deploy", "skip_deploy"


def clone_task(automation: LoadedAutomation, **context: Any) -> dict:
    from .steps.clone import run_clone

    branch = (context["params"] or {}).get("git_branch") or None
    return run_clone(automation, branch, get_settings())


def gate_task(automation: LoadedAutomation, **context: Any) -> str:
    from .links import verdict_line
    from .run_links import VERDICT_LINE_KEY
    from .steps.gate import evaluate

    ti = context["ti"]
    force = bool((context["params"] or {}).get("force_deploy"))
    if force:
        log.warning("FORCE_DEPLOY is set for run %s: the gate's verdict will be overridden", context["run_id"])
    verdict = evaluate(automation, ti.xcom_pull(task_ids="build"), force, context["run_id"], get_settings())
    log.info("gate verdict for %s:\n%s", automation.name, verdict.table())
    ti.xcom_push(key="verdict", value=verdict.as_dict())
    line = verdict_line(verdict.as_dict())
    log.info("gate: %s", line)
    ti.xcom_push(key=VERDICT_LINE_KEY, value=line)  # shown by the run's "Gate verdict" link
    return DEPLOY if verdict.passed else SKIP_DEPLOY


def deploy_task(automation: LoadedAutomation, **context: Any) -> dict:
    from .steps.deploy import run_deploy

    ti = context["ti"]
    image = ti.xcom_pull(task_ids="push_image") if "push_image" in context["dag"].task_ids else None
    return run_deploy(automation, ti.xcom_pull(task_ids="build"), image, context["run_id"], get_settings())


def skip_deploy_task(automation: LoadedAutomation, **context: Any) -> str:
    from .steps.gate import explain_skip

    verdict = context["ti"].xcom_pull(task_ids="metric_gate", key="verdict") or {}
    reason = explain_skip(verdict)
    log.info("not deploying %s: %s", automation.name, reason)
    return reason


METRIC_CHECK_CONF = "metric_check"  # a manual run with conf {"metric_check": true} runs the check as a scheduled one


def metric_trigger_task(automation: LoadedAutomation, **context: Any) -> bool:
    """True: this run builds and deploys; False: the check did not fire, so everything downstream is skipped."""
    from .steps.metric_trigger import check

    dag_run = context["dag_run"]
    run_type = getattr(dag_run.run_type, "value", dag_run.run_type)
    if run_type == "manual" and not (dag_run.conf or {}).get(METRIC_CHECK_CONF):
        log.info("manual run of %s: the metric trigger does not gate it (it builds and deploys)", automation.name)
        return True
    return check(automation, context["run_id"], get_settings()).fire
