"""The loader finds YAML and Python definitions, merges folder defaults, and never loses a good definition."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.definitions import VALID_NAMES
from tests.support.loading import load_now

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parents[1] / "fixtures" / "definitions"


def test_valid_folder_loads_every_definition_without_errors():
    result = load_now([FIXTURES / "valid"])
    assert result.errors == []
    assert set(result.by_name()) == VALID_NAMES


def test_defaults_are_deep_merged_under_definitions_of_their_folder():
    spec = load_now([FIXTURES / "valid"]).by_name()["team_b_inherits"].spec
    assert spec.model_id == "team_b_model"
    assert spec.action.build_spec.git_uri == "https://github.com/example/team-b.git#default"
    assert spec.action.build_spec.git_branch == "develop"  # the definition wins over the defaults
    assert spec.action.deployment_spec.number_of_pods == 3
    assert load_now([FIXTURES / "valid"]).by_name()["churn_nightly"].spec.action.deployment_spec.number_of_pods == 2


def test_broken_files_are_reported_and_the_good_one_survives():
    result = load_now([FIXTURES / "mixed"])
    assert list(result.by_name()) == ["good_one"]
    by_file = {Path(e.file).name: e for e in result.errors}
    assert set(by_file) == {"bad_threshold.yaml", "bad_syntax.yaml", "z_duplicate.yaml", "raises.py"}
    assert by_file["bad_threshold.yaml"].path == "action.deployment_condition.0.threshold"
    assert "YAML syntax error at line 3" in by_file["bad_syntax.yaml"].reason
    assert "duplicate name 'good_one'" in by_file["z_duplicate.yaml"].reason
    assert by_file["raises.py"].reason == "RuntimeError: this definition file is broken"


def test_python_and_yaml_definitions_of_the_same_automation_are_equal(tmp_path):
    (tmp_path / "a.yaml").write_text("""
name: same
model_id: py_model
trigger: {cron: "0 0 * * 0"}
action:
  build_spec:
    git_uri: "https://github.com/example/models.git#py_model"
    git_access_token_secret: token_secret_name
    tags: [prod]
    env_vars: ["ENV_VAR=VALUE"]
    resources: {cpu_fraction: 2, memory: 2Gi}
  deployment_condition: {metric_name: f1_score, direction: ABOVE, threshold: "0.65"}
  deployment_spec: {number_of_pods: 1, cpu_fraction: 2.0, memory: 2Gi, variation_name: B}
""")
    python_source = (FIXTURES / "valid" / "python_defs.py").read_text().replace('"python_weekly"', '"same"')
    (tmp_path / "py").mkdir()
    (tmp_path / "py" / "b.py").write_text(python_source.split("more = [")[0])
    from_yaml = load_now([tmp_path / "a.yaml"]).by_name()["same"].spec
    from_python = load_now([tmp_path / "py"]).by_name()["same"].spec
    assert from_yaml == from_python


def test_python_definitions_get_folder_defaults_too(tmp_path):
    (tmp_path / "_defaults.yaml").write_text("action: {deployment_spec: {number_of_pods: 7}}\n")
    (tmp_path / "d.py").write_text(
        "from automations import Automation, QwakBuildDeploy, BuildSpecifications\n"
        "a = Automation(name='d', model_id='m', action=QwakBuildDeploy(build_spec=BuildSpecifications(git_uri='https://x/y.git')))\n"
    )
    assert load_now([tmp_path]).by_name()["d"].spec.action.deployment_spec.number_of_pods == 7


def test_python_validation_errors_name_the_file_and_field(tmp_path):
    (tmp_path / "bad.py").write_text(
        "from automations import BuildMetric\nc = BuildMetric(metric_name='f1', threshold=0.5)\n"
    )
    [error] = load_now([tmp_path]).errors
    assert error.file.endswith("bad.py") and error.path == "BuildMetric.threshold"
    assert "must be a string" in error.reason


def test_yaml_lists_and_multiple_documents(tmp_path):
    item = "name: {n}\nmodel_id: m\naction: {{build_spec: {{git_uri: 'https://x/y.git'}}}}\n"
    (tmp_path / "list.yaml").write_text(
        "- " + item.format(n="l1").replace("\n", "\n  ") + "\n- " + item.format(n="l2").replace("\n", "\n  ")
    )
    (tmp_path / "docs.yaml").write_text(item.format(n="d1") + "---\n" + item.format(n="d2"))
    assert sorted(load_now([tmp_path]).by_name()) == ["d1", "d2", "l1", "l2"]


def test_empty_and_non_mapping_files_are_errors(tmp_path):
    (tmp_path / "empty.yaml").write_text("# nothing here\n")
    (tmp_path / "scalar.yaml").write_text("just a string\n")
    (tmp_path / "nothing.py").write_text("x = 1\n")
    reasons = sorted(e.reason for e in load_now([tmp_path]).errors)
    assert reasons == [
        "defines no automation",
        "defines no automation",
        "expected a mapping of automation fields, got str",
    ]


def test_env_references_are_expanded_and_unknown_ones_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELS_HOST", "git.internal")
    (tmp_path / "ok.yaml").write_text(
        "name: ok\nmodel_id: m\naction: {build_spec: {git_uri: 'https://${MODELS_HOST}/r.git#${SUBDIR:-x}'}}\n"
    )
    (tmp_path / "unset.yaml").write_text(
        "name: unset\nmodel_id: m\naction: {build_spec: {git_uri: 'https://${NOT_SET_ANYWHERE}/r.git'}}\n"
    )
    result = load_now([tmp_path])
    assert result.by_name()["ok"].spec.action.build_spec.git_uri == "https://git.internal/r.git#x"
    assert [e.reason for e in result.errors] == [
        "${NOT_SET_ANYWHERE} is not set (give a default with ${NOT_SET_ANYWHERE:-value})"
    ]


def test_a_name_used_twice_stays_with_the_file_named_after_it(tmp_path):
    definition = "name: shared\nmodel_id: m\naction: {build_spec: {git_uri: 'https://x.example/m.git'}}\n"
    (tmp_path / "a_newcomer.yaml").write_text(definition.replace("model_id: m", "model_id: newcomer"))
    (tmp_path / "shared.yaml").write_text(definition)
    result = load_now([tmp_path])
    assert result.by_name()["shared"].source.name == "shared.yaml"
    [error] = result.errors
    assert error.file.endswith("a_newcomer.yaml") and error.path == "name"
    assert "duplicate name 'shared': already defined in" in error.reason and "shared.yaml" in error.reason


def test_a_load_reads_the_variables_and_timeout_it_is_given_not_the_environment(tmp_path, monkeypatch):
    from automations.definition_inputs import DefinitionInputs
    from automations.loader import load

    monkeypatch.setenv("MODELS_HOST", "from-the-environment")
    monkeypatch.setenv("AUTOMATIONS_PYTHON_DEFINITION_TIMEOUT", "0")
    (tmp_path / "_defaults.yaml").write_text("description: 'team ${TEAM}'\n")
    (tmp_path / "ok.yaml").write_text(
        "name: ok\nmodel_id: m\naction: {build_spec: {git_uri: 'https://${MODELS_HOST}/r.git'}}\n"
    )
    (tmp_path / "slow.py").write_text("import time\ntime.sleep(5)\n")
    given = DefinitionInputs({"MODELS_HOST": "given.host", "TEAM": "a"}, python_timeout_s=0.2)
    result = load([tmp_path], inputs=given)
    ok = result.by_name()["ok"].spec
    assert ok.action.build_spec.git_uri == "https://given.host/r.git" and ok.description == "team a"
    assert [e.reason for e in result.errors] == [
        "still running after 0.2s (AUTOMATIONS_PYTHON_DEFINITION_TIMEOUT is 0.2s)"
    ]
    # The folder's parsed defaults are cached, but each load interpolates them with its own variables.
    again = load([tmp_path / "ok.yaml"], root=tmp_path, inputs=DefinitionInputs({"MODELS_HOST": "h", "TEAM": "b"}, 0))
    assert again.by_name()["ok"].spec.description == "team b"


def test_definition_inputs_are_the_settings_and_environment_of_one_moment(monkeypatch):
    from automations.definition_inputs import DefinitionInputs
    from automations.settings import PROJECT_ROOT, get_settings

    monkeypatch.setenv("AUTOMATIONS_PYTHON_DEFINITION_TIMEOUT", "2.5")
    environ = {"MODELS_HOST": "h"}
    inputs = DefinitionInputs.of(get_settings(), environ)
    environ["MODELS_HOST"] = "changed later"
    assert inputs.python_timeout_s == 2.5
    assert inputs.variables["MODELS_HOST"] == "h"
    assert inputs.variables["AUTOMATIONS_PROJECT_ROOT"] == str(PROJECT_ROOT)
    assert inputs.variables["AUTOMATIONS_STATE_DIR"] == str(get_settings().state_dir)
    overridden = DefinitionInputs.of(get_settings(), {"AUTOMATIONS_STATE_DIR": "/elsewhere"})
    assert overridden.variables["AUTOMATIONS_STATE_DIR"] == "/elsewhere"  # the environment wins, as before
