"""The DAG's doc_md: a human summary of the automation. Secret *names* may appear; secret values never exist here."""

from __future__ import annotations

from typing import assert_never

from .loader import LoadedAutomation, display
from .notify.target import url_reference
from .schedule import describe
from .settings import Settings
from .spec import BuildMetric, Condition, CustomWebhook, DeployedBuildMetric, SlackNotification
from .steps.clone import redact_url


def doc_md(automation: LoadedAutomation, settings: Settings) -> str:
    spec = automation.spec
    if spec.is_batch:
        return batch_doc_md(automation)
    build = spec.action.build_spec
    repo, subdir = build.location
    deploy = spec.action.deployment_spec
    lines = [
        f"### {spec.name}: build and deploy `{spec.model_id}`",
        spec.description,
        "",
        f"- **Definition:** `{display(automation.source)}`",
        f"- **Source:** `{redact_url(repo)}`, directory `{subdir or '.'}`, branch `{build.git_branch}`, "
        f"main dir `{build.main_dir}`",
        f"- **Runs:** {describe(spec.trigger)}",
        f"- **Build:** on `{settings.backend.value}`",
        f"- **Gate:** {gate_summary(spec.action.conditions)}",
        f"- **Deploy:** variation `{deploy.variation_name}` on `{settings.backend.value}`"
        + (f", environments {', '.join(deploy.environments)}" if deploy.environments else ""),
        f"- **Notifications:** {notifications_summary(spec)}",
    ]
    return "\n".join(lines)


def batch_doc_md(automation: LoadedAutomation) -> str:
    spec = automation.spec
    action = spec.batch
    data, execution = action.data_specifications, action.execution_specifications
    model = f"build `{action.build_id}` (while it serves)" if action.build_id else "the deployed model"
    lines = [
        f"### {spec.name}: batch predictions of `{spec.model_id}`",
        spec.description,
        "",
        f"- **Definition:** `{display(automation.source)}`",
        f"- **Runs:** {describe(spec.trigger)}",
        f"- **Model:** {model}, {execution.batch_size} rows per predict call",
        f"- **Reads:** {data.input_file_type.value} files in `{_folder(data.source_bucket, data.source_folder)}`",
        f"- **Writes:** {data.output_file_type.value} files to "
        f"`{_folder(data.destination_bucket, data.destination_folder)}`",
        f"- **Notifications:** {notifications_summary(spec)}",
    ]
    return "\n".join(lines)


def _folder(bucket: str | None, folder: str) -> str:
    from .batch.folders import location

    return redact_url(location(bucket, folder))


def notifications_summary(spec) -> str:
    """Which notification goes where, by secret name only: webhook URLs never appear in DAG docs."""
    parts = []
    for event, notification in (("on success", spec.on_success), ("on error", spec.on_error)):
        if isinstance(notification, SlackNotification):
            parts.append(f"{event} → Slack ({url_reference(notification.webhook).label()})")
        elif isinstance(notification, CustomWebhook):
            where = url_reference(notification.url).label()
            parts.append(f"{event} → CustomWebhook {notification.http_method} ({where})")
    return "; ".join(parts) or "none"


def gate_summary(conditions: list[Condition]) -> str:
    if not conditions:
        return "none (every successful build deploys)"
    return "; ".join(condition_text(c) for c in conditions)


def condition_text(condition: Condition) -> str:
    match condition:
        case BuildMetric():
            return f"`{condition.metric_name}` {condition.direction.symbol} `{condition.threshold}`"
        case DeployedBuildMetric():
            deployed = f"the deployed build's on variation `{condition.variation}`"
            return f"`{condition.metric_name}` {condition.direction.symbol} {deployed}"
        case _:
            assert_never(condition)
