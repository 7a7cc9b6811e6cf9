"""One automation spec -> one Airflow DAG: schedule, params, tags, docs and task wiring. No step logic here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, Optional

import pendulum

from . import tasks
from .backends import backend_module, optional_backend_module
from .docs import doc_md
from .loader import LoadedAutomation
from .notify.wiring import attach_notifications
from .runs import TaskId
from .schedule import timetable
from .settings import Settings, get_settings
from .spec import Automation, MetricBasedTrigger

START_DATE = pendulum.datetime(2024, 1, 1, tz="UTC")  # fixed: a moving start_date confuses the scheduler


@dataclass(frozen=True)
class DagPlan:
    """Everything about the DAG that is not an operator: a neutral plan, testable without building a DAG."""

    dag_id: str
    description: str
    schedule: Optional[Any]
    tags: tuple[str, ...]
    is_paused_upon_creation: bool
    doc_md: str
    default_branch: str


def plan(automation: LoadedAutomation, settings: Settings) -> DagPlan:
    spec = automation.spec
    if spec.is_batch:
        return DagPlan(
            dag_id=spec.name,
            description=spec.description or f"Batch predictions of {spec.model_id}",
            schedule=timetable(spec.trigger, spec.execute_immediately),
            tags=("automation", "batch", spec.model_id),
            is_paused_upon_creation=not spec.is_enabled,
            doc_md=doc_md(automation, settings),
            default_branch="",
        )
    build = spec.action.build_spec
    tags = dict.fromkeys(["automation", spec.model_id, *build.tags])  # ordered and de-duplicated
    return DagPlan(
        dag_id=spec.name,
        description=spec.description or f"Build and deploy {spec.model_id}",
        schedule=timetable(spec.trigger, spec.execute_immediately),
        tags=tuple(tags),
        is_paused_upon_creation=not spec.is_enabled,
        doc_md=doc_md(automation, settings),
        default_branch=build.git_branch,
    )


def compile_dag(automation: LoadedAutomation, settings: Settings):
    """Build the DAG object for one automation."""
    from airflow.sdk import DAG

    dag_plan = plan(automation, settings)
    with DAG(
        dag_id=dag_plan.dag_id,
        description=dag_plan.description,
        schedule=dag_plan.schedule,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        is_paused_upon_creation=dag_plan.is_paused_upon_creation,
        tags=list(dag_plan.tags),
        doc_md=dag_plan.doc_md,
        params={} if automation.spec.is_batch else _params(dag_plan),
        default_args={"owner": "automations", "retries": 0},
    ) as dag:
        if automation.spec.is_batch:
            _batch_task(automation)
        else:
            _wire_tasks(automation, settings)
        attach_notifications(automation, dag.tasks, settings.notify_timeout_s)
    return dag


def _params(dag_plan: DagPlan) -> dict:
    from airflow.sdk import Param

    return {
        "git_branch": Param(
            dag_plan.default_branch,
            type="string",
            minLength=1,
            pattern=r"^[^-\s][^\s]*$",
            title="Git branch",
            description="Build this branch instead of the definition's.",
        ),
        "force_deploy": Param(
            False,
            type="boolean",
            title="Force deploy",
            description="Deploy even if the metric gate fails (recorded as an override).",
        ),
    }


def _wire_tasks(automation: LoadedAutomation, settings: Settings) -> None:
    from airflow.providers.standard.operators.python import BranchPythonOperator, PythonOperator
    from airflow.sdk import chain

    from . import run_links

    spec, own = automation.spec, settings.backend_slice()
    on_success, on_failure = tasks.build_callbacks(automation, get_settings)
    clone = PythonOperator(
        task_id=TaskId.clone.value,
        python_callable=partial(tasks.clone_task, automation),
        retries=2,
        retry_delay=timedelta(seconds=settings.clone_retry_delay_s),
        on_failure_callback=[on_failure],  # a run that never got to build is in the history too
    )
    build = backend_module(settings.backend, "build").build_operator(spec, own, tasks.XCOM_INPUTS)
    # Set after construction, so give the list form the operator would have normalised a constructor argument to.
    build.on_success_callback, build.on_failure_callback = [on_success], [on_failure]
    image = _image_operator(automation, settings)
    gate = BranchPythonOperator(task_id=TaskId.metric_gate.value, python_callable=partial(tasks.gate_task, automation))
    deploy = PythonOperator(task_id=TaskId.deploy.value, python_callable=partial(tasks.deploy_task, automation))
    skip = PythonOperator(
        task_id=TaskId.skip_deploy.value, python_callable=partial(tasks.skip_deploy_task, automation)
    )
    run_links.attach(clone, gate, deploy, automation.spec.action.build_spec.location[0])
    chain(*[t for t in (_metric_trigger(automation), clone, build, image, gate) if t is not None], [deploy, skip])


def _batch_task(automation: LoadedAutomation):
    """A BatchExecution's DAG: one task over the files; job_timeout (0: none, as in the SDK) bounds it."""
    from airflow.providers.standard.operators.python import PythonOperator

    limit = automation.spec.batch.execution_specifications.job_timeout
    predict = PythonOperator(
        task_id=TaskId.batch_predict.value,
        python_callable=partial(tasks.batch_task, automation),
        execution_timeout=timedelta(seconds=limit) if limit else None,
    )
    trigger = _metric_trigger(automation)
    if trigger is not None:
        trigger >> predict
    return predict


def _metric_trigger(automation: LoadedAutomation):
    """A MetricBasedTrigger's check, first in the run; a check that does not fire skips everything after it."""
    if not isinstance(automation.spec.trigger, MetricBasedTrigger):
        return None
    from airflow.providers.standard.operators.python import ShortCircuitOperator

    return ShortCircuitOperator(
        task_id=TaskId.metric_trigger.value,
        python_callable=partial(tasks.metric_trigger_task, automation),
        ignore_downstream_trigger_rules=True,
    )


def _image_operator(automation: LoadedAutomation, settings: Settings):
    """The push_image task, on backends that build a serving image; the same visible no-op on every backend when
    the definition says push_image: false (a skipped task would cascade past the gate)."""
    from airflow.providers.standard.operators.python import PythonOperator

    module = optional_backend_module(settings.backend, "image")
    if module is None:
        return None
    if not pushes_image(automation.spec):
        reason = "build_spec.push_image is false: no serving image is built or pushed"
        return PythonOperator(task_id=TaskId.push_image.value, python_callable=partial(tasks.image_not_pushed, reason))
    return module.image_operator(automation.spec, settings.backend_slice(), tasks.XCOM_INPUTS)


def pushes_image(spec: Automation) -> bool:
    return not spec.is_batch and spec.action.build_spec.push_image
