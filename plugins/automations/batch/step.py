"""The batch_predict step, without Airflow: fill the folders, find the server, run the files, say what was done."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any, Optional

from ..runs import BatchFile, BatchResult
from ..settings import Settings
from ..spec import Automation
from ..spec.batch import BatchExecution, BatchJobDataSpecifications
from . import client, folders, runner
from .endpoint import Serving

log = logging.getLogger(__name__)

SecretLookup = Callable[[str], str]


def batch_predict(spec: Automation, settings: Settings, when: datetime) -> BatchResult:
    """The whole step: the server from the analytics store, secrets from Airflow's secrets backend."""
    from ..analytics import open_store
    from ..steps.secrets import airflow_secret, mask
    from .endpoint import serving

    def secret(name: str) -> str:
        value = airflow_secret(name)
        mask(value)
        return value

    action = spec.batch
    found = serving(open_store(settings), spec.model_id, action.build_id)
    return run_batch(action, found, when, secret)


def run_batch(action: BatchExecution, serving: Serving, when: datetime, secret: SecretLookup) -> BatchResult:
    data, execution = action.data_specifications, action.execution_specifications
    source_uri = folders.location(data.source_bucket, folders.fill(data.source_folder, when))
    destination_uri = folders.location(data.destination_bucket, folders.fill(data.destination_folder, when))
    options = storage_options(data, secret)
    log.info("batch over %s -> %s, build %s at %s", source_uri, destination_uri, serving.build_id, serving.endpoint)
    plan = runner.BatchPlan(
        source=folders.storage_path(source_uri, data.conn_id, options),
        destination=folders.storage_path(destination_uri, data.conn_id, options),
        input_type=data.input_file_type,
        output_type=data.output_file_type,
        batch_size=execution.batch_size,
        file_timeout_s=execution.task_timeout,
    )
    done = runner.run(plan, partial(client.predict, serving.endpoint))
    return BatchResult(
        source=source_uri,
        destination=destination_uri,
        endpoint=serving.endpoint,
        build_id=serving.build_id,
        files=[BatchFile(input=d.input, output=d.output, rows=d.rows) for d in done],
        rows=sum(d.rows for d in done),
    )


def storage_options(data: BatchJobDataSpecifications, secret: SecretLookup) -> Mapping[str, Any]:
    """Qwak's key pair by secret name, as s3fs's key / secret / token; nothing when a conn_id carries them."""
    names: dict[str, Optional[str]] = {
        "key": data.access_token_secret_name,
        "secret": data.access_secret_secret_name,
        "token": data.session_token_secret_name,
    }
    return {option: secret(name) for option, name in names.items() if name}
