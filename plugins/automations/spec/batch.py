"""Batch execution, Qwak's second action kind: run a model over the files of a folder, write the predictions.

Field names, order and defaults are qwak-core 0.7's ``batch_execution_action`` (frogml 2.1 adds
``session_token_secret_name``, accepted as a keyword). What runs the files is ours: the model's serving endpoint,
called ``batch_size`` rows at a time, on folders that are Airflow ObjectStoragePaths.
"""

from __future__ import annotations

import re
from typing import Optional

from pydantic import Field, StrictStr, model_validator

from .action import Action
from .base import SpecModel
from .enums import _CaseInsensitiveEnum
from .fields import NonNegativeInt, ParamValue, PositiveInt

# A ``{...}`` template holds strftime codes only, e.g. ``{%d-%m-%Y}``; braces without a ``%`` are left alone.
TEMPLATE = re.compile(r"\{(%[^{}]*)\}")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class FileType(_CaseInsensitiveEnum):
    """The file types Qwak's batch jobs read and write."""

    csv = "csv"
    parquet = "parquet"
    feather = "feather"


class BatchJobDataSpecifications(SpecModel):
    sdk_fields = (
        "access_token_secret_name",
        "access_secret_secret_name",
        "source_bucket",
        "source_folder",
        "input_file_type",
        "destination_bucket",
        "destination_folder",
        "output_file_type",
    )

    # Qwak's AWS key pair (and frogml's session token), by secret name: passed to s3 as key / secret / token.
    access_token_secret_name: Optional[StrictStr] = None
    access_secret_secret_name: Optional[StrictStr] = None
    session_token_secret_name: Optional[StrictStr] = None
    # A bucket (``my-bucket`` means s3://my-bucket, or give a URI such as gs://my-bucket) and a folder in it; or a
    # folder that is a whole URI (file://, s3://, gs://, ...) and no bucket.
    source_bucket: Optional[StrictStr] = None
    source_folder: StrictStr
    input_file_type: FileType = FileType.csv
    destination_bucket: Optional[StrictStr] = None
    destination_folder: StrictStr
    output_file_type: FileType = FileType.csv
    # Ours: an Airflow connection holding the store's credentials (ObjectStoragePath's conn_id) instead of secrets.
    conn_id: Optional[StrictStr] = None

    @model_validator(mode="after")
    def _locations_are_uris(self) -> BatchJobDataSpecifications:
        for bucket, folder, side in (
            (self.source_bucket, self.source_folder, "source"),
            (self.destination_bucket, self.destination_folder, "destination"),
        ):
            if not bucket and not _SCHEME.match(folder):
                raise ValueError(
                    f"{side}_folder {folder!r} needs a {side}_bucket or a scheme: write e.g. "
                    f"file:///data/in, s3://bucket/in or gs://bucket/in"
                )
            if bucket and _SCHEME.match(folder):
                raise ValueError(
                    f"give {side}_bucket with a folder inside it, or a full URI as {side}_folder, not both"
                )
        return self


class BatchJobExecutionSpecifications(SpecModel):
    sdk_fields = (
        "job_timeout",
        "task_timeout",
        "executors",
        "cpu",
        "memory",
        "gpu_type",
        "gpu_amount",
        "custom_iam_role_arn",
        "params",
        "instance",
    )

    # Seconds; 0 is no limit, as in the SDK. job_timeout bounds the whole task, task_timeout each input file.
    job_timeout: NonNegativeInt = 0
    task_timeout: NonNegativeInt = 0
    # Qwak's executor pods and their size. Here the files go through the model's serving endpoint, so these are
    # accepted with the SDK's defaults and do not size anything (the README says so).
    executors: NonNegativeInt = 0
    cpu: float = Field(default=0, ge=0)
    memory: StrictStr = "0Mib"
    gpu_type: Optional[StrictStr] = None
    gpu_amount: NonNegativeInt = 0
    custom_iam_role_arn: StrictStr = ""
    instance: StrictStr = ""
    # Qwak hands these to its batch job's pods; a serving endpoint has nowhere to take them: accepted, not used.
    params: dict[StrictStr, ParamValue] = Field(default_factory=dict)
    # Ours: rows per predict call.
    batch_size: PositiveInt = 1000


class BatchExecution(Action):
    """Run the model (its deployed version, or the build named ``build_id``) over ``data_specifications``."""

    sdk_fields = ("build_id", "data_specifications", "execution_specifications")

    build_id: StrictStr = ""
    data_specifications: BatchJobDataSpecifications
    execution_specifications: BatchJobExecutionSpecifications = Field(default_factory=BatchJobExecutionSpecifications)
