"""A BatchExecution automation through the loader (YAML and Python), the compiler and the CLI's validate/render."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.support.loading import load_now

from automations.compiler import compile_dag, plan
from automations.settings import get_settings
from automations.spec import Automation, BatchExecution, QwakBuildDeploy

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
YAML = """\
name: nightly_scores
model_id: churn_model
trigger: {cron: "0 3 * * *"}
on_success: {type: SlackNotification, webhook: slack_hook}
action:
  build_id: ""
  data_specifications:
    source_bucket: my-bucket
    source_folder: "in/{%d-%m-%Y}"
    input_file_type: CSV
    destination_folder: "file:///data/out/{%Y}/{%m}/{%d}"
    output_file_type: parquet
  execution_specifications: {job_timeout: 1800, batch_size: 250}
"""
PYTHON = """\
from automations import Automation, NoneTrigger
from automations.batch_execution_action import (
    BatchExecution, BatchJobDataSpecifications, BatchJobExecutionSpecifications,
)

scores = Automation(
    name="manual_scores",
    model_id="churn_model",
    trigger=NoneTrigger(),
    action=BatchExecution(
        "build-7",
        BatchJobDataSpecifications(None, None, "gs://bucket", "in", "feather", "gs://bucket", "out", "csv"),
        BatchJobExecutionSpecifications(job_timeout=0),
    ),
)
"""


@pytest.fixture()
def definitions(tmp_path):
    (tmp_path / "nightly_scores.yaml").write_text(YAML)
    (tmp_path / "manual_scores.py").write_text(PYTHON)
    result = load_now([tmp_path])
    assert result.errors == []
    return result.by_name()


def test_yaml_and_python_definitions_give_batch_actions(definitions):
    nightly, manual = definitions["nightly_scores"].spec, definitions["manual_scores"].spec
    assert nightly.is_batch and isinstance(nightly.action, BatchExecution)
    data = nightly.batch.data_specifications
    assert (data.source_bucket, data.input_file_type.value, data.output_file_type.value) == (
        "my-bucket",
        "csv",
        "parquet",
    )
    assert nightly.batch.execution_specifications.batch_size == 250
    assert manual.batch.build_id == "build-7" and manual.batch.data_specifications.destination_bucket == "gs://bucket"


def test_a_build_definition_is_still_a_build_action():
    spec = Automation(name="b", model_id="m", action={"build_spec": {"git_uri": "https://h.example/r.git"}})
    assert isinstance(spec.action, QwakBuildDeploy) and not spec.is_batch
    with pytest.raises(TypeError, match="not a batch execution"):
        spec.batch  # noqa: B018


def test_an_action_of_neither_kind_says_which_kinds_there_are():
    with pytest.raises(ValueError, match="cannot tell which kind of action this is"):
        Automation(name="b", model_id="m", action={"source_folder": "x"})


def test_the_batch_dag_is_one_task_with_the_job_timeout(definitions):
    dag = compile_dag(definitions["nightly_scores"], get_settings())
    assert [t.task_id for t in dag.tasks] == ["batch_predict"]
    (task,) = dag.tasks
    assert task.execution_timeout.total_seconds() == 1800
    assert dict(dag.params) == {}  # no git branch or force_deploy: nothing is built
    assert "batch" in dag.tags and "churn_model" in dag.tags
    assert task.on_success_callback, "on_success fires when the batch task succeeds"
    manual = compile_dag(definitions["manual_scores"], get_settings())
    assert manual.tasks[0].execution_timeout is None  # job_timeout 0 is no limit, as in the SDK


def test_the_docs_say_what_is_read_and_written(definitions):
    doc = plan(definitions["nightly_scores"], get_settings()).doc_md
    assert "batch predictions of `churn_model`" in doc
    assert "csv files in `s3://my-bucket/in/{%d-%m-%Y}`" in doc
    assert "parquet files to `file:///data/out/{%Y}/{%m}/{%d}`" in doc and "250 rows per predict call" in doc
    assert "build `build-7`" in plan(definitions["manual_scores"], get_settings()).doc_md


def test_validate_and_render_accept_a_batch_definition(tmp_path):
    (tmp_path / "nightly_scores.yaml").write_text(YAML)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "plugins"), "AUTOMATIONS_DIR": str(tmp_path)}
    for args, expected in ((["validate"], "1 automation(s) valid"), (["render", "nightly_scores"], "batch_predict")):
        done = subprocess.run([sys.executable, "-m", "automations", *args], env=env, capture_output=True, text=True,
                              timeout=120, cwd=ROOT)  # fmt: skip
        assert done.returncode == 0 and expected in done.stdout, done.stdout + done.stderr
