"""Thin task callables, and the one place that reads and writes XCom.

Each callable pulls its inputs from the task context as typed results (``runs.py``), calls one step function and
returns the step's result as XCom. Operators that Airflow runs itself (pods, containers) get ``XCOM_INPUTS`` to read
the results before them. They hold no step logic; the compiler binds each to its automation with functools.partial.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Optional

from .runs import VERDICT_KEY, BuildResult, CloneResult, ImageResult, RunContractError, TaskId
from .settings import Settings, get_settings

if TYPE_CHECKING:
    from .loader import LoadedAutomation

log = logging.getLogger(__name__)

DEPLOY, SKIP_DEPLOY = TaskId.deploy.value, TaskId.skip_deploy.value
Callback = Callable[[Mapping[str, Any]], None]


def _pull(context: Mapping[str, Any], task: TaskId, key: Optional[str] = None) -> Any:
    ti = context["ti"]
    return ti.xcom_pull(task_ids=task.value, key=key) if key else ti.xcom_pull(task_ids=task.value)


def xcom_of(ti: Any, task_id: str, key: str = "return_value") -> Any:
    """A task's raw XCom, or None when it has none (a task that never ran): for run reports."""
    try:
        return ti.xcom_pull(task_ids=task_id, key=key)
    except Exception:  # a report with a gap beats no report
        return None


class XComInputs:
    """``runs.RunInputs`` read from the XCom of the tasks before."""

    def clone(self, context: Mapping[str, Any]) -> CloneResult:
        return CloneResult.from_xcom(_pull(context, TaskId.clone))

    def build(self, context: Mapping[str, Any]) -> BuildResult:
        return BuildResult.from_xcom(_pull(context, TaskId.build))


XCOM_INPUTS = XComInputs()


def clone_task(automation: LoadedAutomation, **context: Any) -> dict:
    from airflow.sdk.exceptions import AirflowFailException

    from .steps.clone import CloneError, run_clone

    branch = (context["params"] or {}).get("git_branch") or None
    try:
        return run_clone(automation, branch, get_settings()).to_xcom()
    except CloneError as exc:
        if exc.transient:
            raise  # the network failed: the task's retries may get through
        raise AirflowFailException(str(exc)) from None  # a wrong URL, token or branch: retrying cannot help


def gate_task(automation: LoadedAutomation, **context: Any) -> str:
    from .links import verdict_line
    from .run_links import VERDICT_LINE_KEY
    from .steps.gate import evaluate
    from .steps.gate_report import render_table

    force = bool((context["params"] or {}).get("force_deploy"))
    if force:
        log.warning("FORCE_DEPLOY is set for run %s: the gate's verdict will be overridden", context["run_id"])
    build = XCOM_INPUTS.build(context)
    verdict = evaluate(automation, build, force, context["run_id"], get_settings())
    log.info("gate verdict for %s:\n%s", automation.name, render_table(verdict))
    ti = context["ti"]
    ti.xcom_push(key=VERDICT_KEY, value=verdict.to_xcom())
    line = verdict_line(verdict.to_xcom())
    log.info("gate: %s", line)
    ti.xcom_push(key=VERDICT_LINE_KEY, value=line)  # shown by the run's "Gate verdict" link
    return DEPLOY if verdict.passed else SKIP_DEPLOY


def deploy_task(automation: LoadedAutomation, **context: Any) -> dict:
    from .steps.deploy import run_deploy

    image = None
    if TaskId.push_image.value in context["dag"].task_ids:
        image = ImageResult.from_xcom(_pull(context, TaskId.push_image))
    build = XCOM_INPUTS.build(context)
    return run_deploy(automation, build, image, context["run_id"], get_settings()).to_xcom()


def skip_deploy_task(automation: LoadedAutomation, **context: Any) -> str:
    from .steps.gate_report import explain_skip
    from .steps.verdict import Verdict

    pushed = _pull(context, TaskId.metric_gate, key=VERDICT_KEY)
    reason = explain_skip(Verdict.from_xcom(pushed) if pushed else None)
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


def batch_task(automation: LoadedAutomation, **context: Any) -> dict:
    from .batch.folders import run_date
    from .batch.step import batch_predict

    return batch_predict(automation.spec, get_settings(), run_date(context)).to_xcom()


def image_not_pushed(reason: str) -> dict:
    """The push_image task when the definition turns it off: it says why instead of skipping."""
    log.warning("push_image: not building a serving image: %s", reason)
    return ImageResult(pushed=False, reason=reason).to_xcom()


def build_callbacks(
    automation: LoadedAutomation, settings_factory: Callable[[], Settings]
) -> tuple[Callback, Callback]:
    """``(on_success, on_failure)`` of the build task: its ``builds`` row, read at run time, failures included."""

    def on_success(context: Mapping[str, Any]) -> None:
        _record(automation, context, settings_factory, succeeded=True)

    def on_failure(context: Mapping[str, Any]) -> None:
        _record(automation, context, settings_factory, succeeded=False)

    return on_success, on_failure


def _record(
    automation: LoadedAutomation, context: Mapping[str, Any], settings_factory: Callable[[], Settings], succeeded: bool
) -> None:
    from .analytics import BuildStatus
    from .steps.record import record_build_safely

    status = BuildStatus.succeeded if succeeded else BuildStatus.failed
    build, commit = None, None
    try:
        build = BuildResult.from_xcom(_pull(context, TaskId.build)) if succeeded else None
        clone = _pull(context, TaskId.clone)
        commit = clone.get("commit") if isinstance(clone, Mapping) else None  # a failed build needs only this
    except RunContractError as exc:
        log.error("ANALYTICS: the %s build of %s has no usable result: %s", status.value, automation.name, exc)
    started = getattr(context.get("ti"), "start_date", None)
    record_build_safely(automation, _run_id(context), build, commit, started, settings_factory, status)


def _run_id(context: Mapping[str, Any]) -> str:
    run_id = context.get("run_id")
    if run_id is None and context.get("dag_run") is not None:
        run_id = context["dag_run"].run_id
    return str(run_id)
