"""The analytics store: builds, metrics, gate verdicts and deployments, behind the ``model_analytics`` connection.

PostgreSQL in production, SQLite (``<state_dir>/analytics.db``) as the embedded default; the same tables on both,
created from the ``Table`` definitions in tables.py when first needed or by ``python -m automations db init``.
"""

from .query import BIND_NAMES, ThresholdQueryError, run_threshold
from .rows import (
    BuildRow,
    BuildStatus,
    DeploymentRow,
    DeployStatus,
    IntegrationRow,
    MetricCheckRow,
    RunKey,
    TriggerHistory,
    VerdictRow,
)
from .store import AnalyticsStore, open_store

__all__ = [
    "BIND_NAMES",
    "AnalyticsStore",
    "BuildRow",
    "BuildStatus",
    "DeployStatus",
    "DeploymentRow",
    "IntegrationRow",
    "MetricCheckRow",
    "RunKey",
    "ThresholdQueryError",
    "TriggerHistory",
    "VerdictRow",
    "open_store",
    "run_threshold",
]
