"""plugins/ holds importable packages; Airflow's plugin loader must not import their files as top-level modules."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.dags

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"


def test_plugin_loader_sees_only_our_plugin_module_and_no_file_of_our_packages():
    from airflow._shared.module_loading import find_path_from_directory

    seen = [p for p in find_path_from_directory(str(PLUGINS), ".airflowignore", "glob") if p.endswith(".py")]
    assert seen == [str(PLUGINS / "automations_plugin.py")]
    assert (PLUGINS / "automations" / "backends" / "docker").is_dir()  # the packages are still there to import


def test_the_plugin_registers_the_automations_timetable():
    from airflow import plugins_manager

    assert "automations.timetable.AutomationTimetable" in plugins_manager.get_timetables_plugins()
