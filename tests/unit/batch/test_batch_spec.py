"""BatchExecution and its specifications: the SDK's names, field order and defaults, YAML, and our checks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from automations.spec.batch import (
    BatchExecution,
    BatchJobDataSpecifications,
    BatchJobExecutionSpecifications,
    FileType,
)

pytestmark = pytest.mark.unit


def test_positional_arguments_follow_qwak_cores_field_order():
    data = BatchJobDataSpecifications("token_name", "secret_name", "my-bucket", "in/{%d-%m-%Y}", "PARQUET",
                                      "my-bucket", "out/{%d-%m-%Y}", "feather")  # fmt: skip
    assert (data.access_token_secret_name, data.access_secret_secret_name) == ("token_name", "secret_name")
    assert (data.source_bucket, data.source_folder, data.input_file_type) == (
        "my-bucket",
        "in/{%d-%m-%Y}",
        FileType.parquet,
    )
    assert data.output_file_type is FileType.feather
    execution = BatchJobExecutionSpecifications(3600, 600, 2, 1.5, "2Gi")
    assert (execution.job_timeout, execution.task_timeout, execution.executors, execution.cpu, execution.memory) == (
        3600, 600, 2, 1.5, "2Gi",
    )  # fmt: skip
    action = BatchExecution("build-123", data, execution)
    assert action.build_id == "build-123" and action.data_specifications is data


def test_defaults_are_the_sdks():
    execution = BatchJobExecutionSpecifications()
    assert (execution.job_timeout, execution.task_timeout, execution.executors) == (0, 0, 0)
    assert (execution.cpu, execution.memory, execution.gpu_type, execution.gpu_amount) == (0, "0Mib", None, 0)
    assert (execution.custom_iam_role_arn, execution.instance, execution.params) == ("", "", {})
    assert execution.batch_size == 1000  # ours
    action = BatchExecution(data_specifications={"source_folder": "file:///in", "destination_folder": "file:///out"})
    assert action.build_id == "" and action.execution_specifications == execution
    assert action.data_specifications.input_file_type is FileType.csv


def test_frogmls_session_token_is_a_keyword():
    data = BatchJobDataSpecifications(
        session_token_secret_name="session", source_folder="s3://b/in", destination_folder="s3://b/out"
    )
    assert data.session_token_secret_name == "session"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"source_folder": "in/x", "destination_folder": "file:///out"}, "source_folder 'in/x' needs a source_bucket"),
        (
            {"source_bucket": "b", "source_folder": "s3://b/in", "destination_folder": "file:///out"},
            "give source_bucket with a folder inside it, or a full URI",
        ),
        ({"source_folder": "file:///in", "destination_folder": "file:///out", "input_file_type": "xlsx"}, "csv"),
        ({"source_folder": "file:///in"}, "destination_folder"),
    ],
)
def test_bad_data_specifications_say_what_to_write(fields, message):
    with pytest.raises(ValidationError, match=message):
        BatchJobDataSpecifications(**fields)


def test_execution_numbers_are_checked():
    with pytest.raises(ValidationError):
        BatchJobExecutionSpecifications(batch_size=0)
    with pytest.raises(ValidationError):
        BatchJobExecutionSpecifications(job_timeout=-1)
