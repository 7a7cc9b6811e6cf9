"""What every entry point loads (loader.load_definitions): environments checked against config, the same answer for
the DAG files and the CLI, and the by-file-name fast path."""

from __future__ import annotations

import pytest

from automations.loader import load_definitions
from automations.settings import get_settings

pytestmark = pytest.mark.unit

DEF = (
    "name: {name}\nmodel_id: m\naction:\n  build_spec: {{git_uri: 'https://x/y.git'}}\n"
    "  deployment_spec: {{environments: [{envs}]}}\n"
)


@pytest.fixture
def settings(tmp_path):
    (tmp_path / "defs").mkdir()
    (tmp_path / "envs.yaml").write_text("environments:\n  production: {conn_id: k8s_prod, namespace: models}\n")
    return get_settings().replace(
        automations_dir=tmp_path / "defs", environments_file=tmp_path / "envs.yaml"
    )


def test_unknown_environment_is_a_validation_error_and_drops_only_that_automation(settings):
    (settings.automations_dir / "ok.yaml").write_text(DEF.format(name="ok", envs="production"))
    (settings.automations_dir / "typo.yaml").write_text(DEF.format(name="typo", envs="prodution"))
    result = load_definitions(settings)
    assert list(result.by_name()) == ["ok"]
    [error] = result.errors
    assert error.file.endswith("typo.yaml") and error.path == "action.deployment_spec.environments"
    assert error.reason.startswith("unknown environment 'prodution' (known: ['production']")
    # Qwak users made environments on the server: the error says how to add one here.
    assert f"add it to {settings.environments_file}" in error.reason
    assert "environments: {prodution: {conn_id:" in error.reason


def test_validate_render_and_the_dag_files_give_the_same_answer_for_a_bad_environment(settings, monkeypatch, capsys):
    import argparse

    from automations.cli import render, validate
    from automations.dagfile import build_dags, raise_definition_errors
    from automations.errors import AutomationDefinitionError

    (settings.automations_dir / "typo.yaml").write_text(DEF.format(name="typo", envs="prodution"))
    monkeypatch.setenv("AUTOMATIONS_DIR", str(settings.automations_dir))
    monkeypatch.setenv("AUTOMATIONS_ENVIRONMENTS_FILE", str(settings.environments_file))
    expected = (
        f"{settings.automations_dir / 'typo.yaml'}: action.deployment_spec.environments: unknown environment "
        f"'prodution' (known: ['production'])."
    )
    with pytest.raises(AutomationDefinitionError) as raised:  # dags/automation_errors.py
        raise_definition_errors()
    assert expected in str(raised.value)
    assert build_dags() == {}  # dags/automations.py builds no DAG for it
    capsys.readouterr()
    for paths in ([], [settings.automations_dir], [settings.automations_dir / "typo.yaml"]):
        assert validate.run(argparse.Namespace(paths=paths)) == 1
        [line] = capsys.readouterr().out.splitlines()
        assert line.startswith(expected) and line in str(raised.value), paths
    assert render.run(argparse.Namespace(name="typo", backend=None)) == 1
    assert "no valid automation named 'typo'" in capsys.readouterr().err


def test_a_broken_environments_file_is_reported(settings):
    settings.environments_file.write_text("environments: [not, a, mapping]\n")
    (settings.automations_dir / "ok.yaml").write_text(DEF.format(name="ok", envs=""))
    result = load_definitions(settings)
    assert [e.file for e in result.errors] == [str(settings.environments_file)]


def test_fast_path_loads_only_the_file_named_after_the_dag(settings):
    (settings.automations_dir / "wanted.yaml").write_text(DEF.format(name="wanted", envs=""))
    (settings.automations_dir / "broken.yaml").write_text("name: [unclosed\n")
    fast = load_definitions(settings, only="wanted")
    assert list(fast.by_name()) == ["wanted"] and fast.errors == []
    full = load_definitions(settings)
    assert list(full.by_name()) == ["wanted"] and len(full.errors) == 1


def test_fast_path_falls_back_to_a_full_load_when_no_file_is_named_after_the_dag(settings):
    (settings.automations_dir / "several.yaml").write_text(
        DEF.format(name="a", envs="") + "---\n" + DEF.format(name="b", envs="")
    )
    assert list(load_definitions(settings, only="b").by_name()) == ["a", "b"]
