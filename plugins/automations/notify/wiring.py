"""Attach an automation's on_success / on_error notifiers to its DAG's tasks (called by the compiler)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..loader import LoadedAutomation

SUCCESS_LEAVES = ("deploy", "skip_deploy", "batch_predict")  # one of these succeeding is the run succeeding


def _append(task: Any, attribute: str, callback: Any) -> None:
    existing = getattr(task, attribute) or []
    existing = existing if isinstance(existing, list) else [existing]
    setattr(task, attribute, [*existing, callback])


def attach_notifications(automation: LoadedAutomation, tasks: Iterable[Any], timeout_s: float) -> None:
    """``timeout_s``: how long each HTTP attempt of a notification may take."""
    spec = automation.spec
    if not (spec.on_success or spec.on_error):
        return
    from .notifier import AutomationNotifier

    for task in tasks:
        if spec.on_error:
            _append(task, "on_failure_callback", AutomationNotifier(automation, spec.on_error, "on_error", timeout_s))
        if spec.on_success and task.task_id in SUCCESS_LEAVES:
            notifier = AutomationNotifier(automation, spec.on_success, "on_success", timeout_s)
            _append(task, "on_success_callback", notifier)
