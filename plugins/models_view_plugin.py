"""Airflow plugin: the "Models" page in the UI's navigation, and its JSON API, served by the api-server at /models.

Airflow's plugin loader imports this file as the top-level module ``models_view_plugin``; the code lives in the
``automations.models_view`` package, which plugins/.airflowignore keeps out of the loader's way.
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin


class _ModelsApp:
    """``fastapi_apps``, built on first read: only the api-server reads it, while the scheduler, the DAG processor
    and every task also load plugins (for the timetable) and need not import the FastAPI app (~0.2 s)."""

    def __get__(self, instance: Any, owner: Any) -> list[dict[str, Any]]:
        from automations.models_view.app import app

        return [{"app": app, "url_prefix": "/models", "name": "Models view"}]


class ModelsViewPlugin(AirflowPlugin):
    name = "automations_models_view"
    fastapi_apps = _ModelsApp()  # type: ignore[assignment]
    # url_route makes the UI show the page inside its own frame, under its navigation and login.
    external_views = [{"name": "Models", "href": "models/", "destination": "nav", "url_route": "models"}]
