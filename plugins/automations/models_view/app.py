"""The Models view: a FastAPI app that Airflow's api-server mounts at ``/models`` (see plugins/models_view_plugin.py).

Every route needs an Airflow login (the JWT cookie the UI sets, or a Bearer token) and shows only the DAGs the
auth manager lets that user read. The JSON endpoints are the page's only data source, so other tools can use them:
- ``GET /models/api/automations``: one row per automation (deployed builds, last run, next run, paused).
- ``GET /models/api/automations/{name}``: its metric series with the gate thresholds, builds and deploys.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated, Any, Optional

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from . import airflow_state, overview

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")


async def _user(request: Request) -> Any:
    # Airflow's own resolution: a Bearer header wins, else the UI's JWT cookie; 401/403 when neither is valid.
    from airflow.api_fastapi.core_api.security import bearer_scheme, get_user

    return await get_user(request, None, await bearer_scheme(request))


UserDep = Annotated[Any, Depends(_user)]


def _readable(user: Any) -> set[str]:
    from airflow.api_fastapi.app import get_auth_manager

    return set(get_auth_manager().get_authorized_dag_ids(user=user, method="GET"))


def _base_path() -> str:
    from urllib.parse import urlsplit

    from airflow.configuration import conf

    return urlsplit(conf.get("api", "base_url", fallback="") or "").path.rstrip("/")


def _analytics() -> tuple[Optional[Any], dict[str, Any]]:
    """The store, or None with an explanation naming the connection id (never its URL or password)."""
    from ..analytics import open_store
    from ..settings import get_settings

    settings = get_settings()  # once per request: the connection named is the one opened
    conn_id = settings.analytics_conn_id
    try:
        # A page answers at once: the write-retry window (30 s by default) is for builds riding out a restart.
        store = open_store(settings, write_retry_s=0.0)
    except Exception as exc:  # any driver or network error: the page explains it instead of failing
        log.warning("Models view: analytics store %r unreachable: %s", conn_id, type(exc).__name__)
        return None, {
            "ok": False,
            "conn_id": conn_id,
            "error": f"the analytics database (connection {conn_id!r}) is unreachable: {type(exc).__name__}",
        }
    where = "embedded SQLite" if store.target.embedded else store.target.dialect
    return store, {"ok": True, "conn_id": conn_id, "error": None, "where": where}


def _overview(user: Any) -> dict[str, Any]:
    from ..analytics import history

    dags = airflow_state.automation_dags(_readable(user))
    store, status = _analytics()
    deployed = history.deployed_by_automation(store) if store else {}
    outcomes = history.latest_outcomes(store) if store else {}
    return {"analytics": status, "automations": overview.overview_rows(dags, deployed, outcomes, _base_path())}


def _detail(user: Any, name: str, limit: int) -> dict[str, Any]:
    from ..analytics import history

    if name not in _readable(user):
        raise HTTPException(status_code=404, detail=f"no automation {name!r} that you may read")
    state = airflow_state.automation_dags([name]).get(name)
    if state is None:
        raise HTTPException(status_code=404, detail=f"{name!r} is not an automation DAG")
    store, status = _analytics()
    found = history.automation_history(store, name, limit) if store else history.History((), ())
    checks = history.trigger_checks(store, name) if store else None
    branches = airflow_state.branches_of_runs(name, [b.dag_run_id for b in found.builds])
    return {"analytics": status, **overview.history_payload(name, state, found, branches, _base_path(), checks)}


def create_app() -> FastAPI:
    app = FastAPI(title="Automations: Models view", description=__doc__)

    @app.get("/api/automations")
    async def automations(user: UserDep) -> JSONResponse:
        # The store and the metadata DB are synchronous: keep them off the api-server's event loop.
        return JSONResponse(await asyncio.to_thread(_overview, user))

    @app.get("/api/automations/{name}")
    async def automation(name: str, user: UserDep, limit: int = 100) -> JSONResponse:
        return JSONResponse(await asyncio.to_thread(_detail, user, name, max(1, min(limit, 500))))

    @app.get("/", response_class=HTMLResponse)
    async def page(request: Request) -> HTMLResponse:
        try:
            await _user(request)
        except HTTPException as exc:
            return HTMLResponse(_refused(exc.status_code), status_code=exc.status_code)
        return HTMLResponse((STATIC / "index.html").read_text())

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _refused(status: int) -> str:
    return (
        f"<!doctype html><title>Models: login required</title><body style='font-family:sans-serif'>"
        f"<h1>{status}: please log in</h1><p>The Models view needs an Airflow login. "
        f"<a href='../auth/login/?next=../models/' target='_top'>Log in to Airflow</a>.</p></body>"
    )


app = create_app()
