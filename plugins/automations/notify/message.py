"""A RunReport as a Slack message (text + Block Kit sections) and as Qwak's CustomWebhook fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .report import Outcome, RunReport, Status

_ICONS = {
    Outcome.deployed: ":white_check_mark:",
    Outcome.not_deployed: ":large_blue_circle:",
    Outcome.failed: ":red_circle:",
}


def headline(report: RunReport) -> str:
    if report.status is Status.failure:
        return f"{report.automation}: task `{report.failed_task}` failed"
    if report.outcome is Outcome.deployed:
        return f"{report.automation}: build succeeded and was deployed"
    return f"{report.automation}: build succeeded but was not deployed (the metric gate did not pass)"


def _metrics(metrics: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in sorted(metrics.items())) or "-"


def detail_lines(report: RunReport) -> list[str]:
    lines = [f"*Model:* `{report.model_id}`", f"*Run:* <{report.run_url}|{report.run_id}>"]
    if report.commit:
        lines.append(f"*Commit:* `{report.commit[:12]}`")
    if report.status is Status.failure:
        return [*lines, f"*Error:* ```{report.error or 'no error text'}```", f"*Log:* <{report.log_url}|task log>"]
    lines += [
        f"*Build:* `{report.build_id or '-'}`",
        f"*Metrics:* {_metrics(report.metrics)}",
        f"*Gate:* {report.verdict}",
    ]
    deployed = f"`{report.endpoint}`" if report.endpoint else "not deployed"
    return [*lines, f"*Deployed to:* {deployed}"]


def slack_payload(report: RunReport) -> dict[str, Any]:
    title = f"{_ICONS[report.outcome]} {headline(report)}"
    body = "\n".join(detail_lines(report))
    return {
        "text": f"{title}\n{body}",  # the fallback Slack shows in notifications
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": body}},
        ],
    }


def webhook_fields(report: RunReport, data: Mapping[str, str]) -> dict[str, Any]:
    """Qwak's documented fields, our extras, then the definition's ``data`` (which may override extras only)."""
    extras = {
        "outcome": report.outcome.value,
        "run_id": report.run_id,
        "run_url": report.run_url,
        "failed_task": report.failed_task or "",
        "error": report.error,
        "endpoint": report.endpoint or "",
    }
    documented = {
        "execution_date": report.execution_date,
        "model_id": report.model_id,
        "automation": report.automation,
        "status": report.status.value,
        "build_id": report.build_id or "",
    }
    return {**extras, **dict(data), **documented}
