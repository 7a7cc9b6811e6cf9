"""Where a batch run reads and writes: date templates filled from the run's logical date, then ObjectStoragePaths."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Optional

from ..spec.batch import TEMPLATE


def fill(folder: str, when: datetime) -> str:
    """``in/{%d-%m-%Y}`` on 2 December 2026 -> ``in/02-12-2026``; text outside ``{%...}`` stays as written."""
    return TEMPLATE.sub(lambda match: when.strftime(match.group(1)), folder)


def location(bucket: Optional[str], folder: str) -> str:
    """A bucket and a folder inside it (Qwak's form: a bare bucket is S3), or a folder that is already a URI."""
    if not bucket:
        return folder
    base = bucket if "://" in bucket else f"s3://{bucket}"
    return f"{base.rstrip('/')}/{folder.lstrip('/')}"


def storage_path(uri: str, conn_id: Optional[str] = None, options: Optional[Mapping[str, Any]] = None):
    """An Airflow ObjectStoragePath: file:// always; s3://, gs://, ... through the stores Airflow's providers
    register (apache-airflow-providers-amazon, -google, ...), with the connection's credentials."""
    from airflow.sdk import ObjectStoragePath

    keywords: dict[str, Any] = dict(options or {})
    if conn_id:  # an explicit conn_id=None would bypass the store a provider attached for the scheme
        keywords["conn_id"] = conn_id
    return ObjectStoragePath(uri, **keywords)


def run_date(context: Mapping[str, Any]) -> datetime:
    """The date templates use: the logical date, or for a manual run without one the time it was asked to run."""
    for key in ("logical_date", "data_interval_end"):
        value = context.get(key)
        if value is not None:
            return value
    dag_run = context.get("dag_run")
    run_after = getattr(dag_run, "run_after", None)
    if run_after is not None:
        return run_after
    raise ValueError("the run has no logical date to fill the folder templates with")
