"""plugins/ holds importable packages; Airflow's plugin loader must not import their files as top-level modules.

The loader imports every .py it sees as a top-level module named after the file, so the only files it may see
are our plugin entry points: top-level ``*_plugin.py`` files whose names shadow no standard-library module.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.dags

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"


def _seen_by_loader() -> list[Path]:
    from airflow._shared.module_loading import find_path_from_directory

    return [Path(p) for p in find_path_from_directory(str(PLUGINS), ".airflowignore", "glob") if p.endswith(".py")]


def test_plugin_loader_sees_only_top_level_plugin_entry_files():
    seen = _seen_by_loader()
    assert seen, "the plugin entry files (e.g. models_view_plugin.py) must be visible to the loader"
    for path in seen:
        assert path.parent == PLUGINS, f"{path} is inside a package: the loader would import it as a top-level module"
        assert path.name.endswith("_plugin.py"), f"{path.name}: plugin entry files are named *_plugin.py"
        assert path.stem not in sys.stdlib_module_names
    assert (PLUGINS / "automations" / "backends" / "docker").is_dir()  # the packages are still there to import


def test_every_plugin_entry_file_defines_an_airflow_plugin():
    import importlib.util

    from airflow.plugins_manager import AirflowPlugin

    for path in _seen_by_loader():
        spec = importlib.util.spec_from_file_location(f"_check_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        plugins = [
            v
            for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, AirflowPlugin) and v is not AirflowPlugin
        ]
        assert plugins, f"{path.name} defines no AirflowPlugin subclass"


def test_the_plugin_registers_the_automations_timetable():
    from airflow import plugins_manager

    assert "automations.timetable.AutomationTimetable" in plugins_manager.get_timetables_plugins()
