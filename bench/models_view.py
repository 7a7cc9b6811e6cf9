"""Models view load time at scale: 1,000 automations and 100,000 builds in PostgreSQL (``make bench-ui``).

Seeds a throwaway database on the local PostgreSQL server (installed and started as the tests do), then times:
- the overview JSON (what ``GET /models/api/automations`` computes: every deployed build and each last run);
- one automation's detail JSON (its newest 100 builds with metrics, verdicts and deploys);
- the page itself in headless Chromium: HTML, vendored uPlot and our script, rendering the overview (its first
  page of 100 rows, of 1,000) and a detail page with its plots, from those JSON answers.
Airflow's own metadata reads (paused, next run) are left out: one indexed query over the DAG table.
Figures are medians of several rounds; the goal is under 1 s for each page.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

AUTOMATIONS = int(os.environ.get("BENCH_UI_AUTOMATIONS", "1000"))
BUILDS = int(os.environ.get("BENCH_UI_BUILDS", "100000"))
ROUNDS = 5
STATIC = Path(__file__).resolve().parents[1] / "plugins" / "automations" / "models_view" / "static"


def _seed(store: Any) -> None:
    per = BUILDS // AUTOMATIONS
    start = datetime(2026, 1, 1, tzinfo=UTC)
    builds, metrics, verdicts, deploys = [], [], [], []
    for a in range(AUTOMATIONS):
        name = f"auto_{a:04d}"
        for b in range(per):
            run, build, at = f"scheduled__{a}_{b}", f"{name}-b{b:04d}", start + timedelta(hours=b)
            f1 = 0.7 + ((a * 7 + b * 13) % 30) / 100
            builds.append(
                {
                    "automation": name,
                    "model_id": f"m_{a}",
                    "dag_run_id": run,
                    "build_id": build,
                    "status": "succeeded",
                    "commit": f"{a:020x}{b:020x}",
                    "started": at,
                    "finished": at + timedelta(minutes=5),
                }
            )
            for metric, value in (("f1_score", f1), ("accuracy", f1 + 0.05)):
                metrics.append(
                    {
                        "automation": name,
                        "model_id": f"m_{a}",
                        "dag_run_id": run,
                        "build_id": build,
                        "commit": None,
                        "metric_name": metric,
                        "value": value,
                        "logged_at": at,
                    }
                )
            verdicts.append(
                {
                    "automation": name,
                    "model_id": f"m_{a}",
                    "dag_run_id": run,
                    "build_id": build,
                    "condition": "BuildMetric",
                    "metric_name": "f1_score",
                    "actual": f1,
                    "direction": "ABOVE",
                    "threshold": 0.8,
                    "passed": f1 >= 0.8,
                    "forced": False,
                    "note": "",
                    "at": at,
                }
            )
            if f1 >= 0.8:
                deploys.append(
                    {
                        "automation": name,
                        "model_id": f"m_{a}",
                        "variation": "default",
                        "environment": "production",
                        "build_id": build,
                        "target": "http://svc",
                        "status": "deployed",
                        "dag_run_id": run,
                        "at": at,
                    }
                )
    from sqlalchemy import text

    columns = {"builds": builds, "build_metrics": metrics, "gate_verdicts": verdicts, "deployments": deploys}
    with store.engine.begin() as conn:
        for table, rows in columns.items():
            names = list(rows[0])
            quoted = ", ".join(f'"{n}"' for n in names)
            sql = text(f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(':' + n for n in names)})")
            for i in range(0, len(rows), 5000):
                conn.execute(sql, rows[i : i + 5000])
        conn.exec_driver_sql("ANALYZE")
    print(f"seeded {len(builds)} builds, {len(metrics)} metrics, {len(verdicts)} verdicts, {len(deploys)} deploys")


def _dag_states() -> dict[str, Any]:
    from automations.models_view.airflow_state import DagState

    return {
        f"auto_{a:04d}": DagState(
            f"auto_{a:04d}",
            False,
            ("automation", f"m_{a}"),
            "2026-12-02T04:00:00+00:00",
            f"scheduled__{a}_{BUILDS // AUTOMATIONS - 1}",
            "success",
            (),
        )
        for a in range(AUTOMATIONS)
    }


def _overview(store: Any, dags: dict[str, Any]) -> dict[str, Any]:
    from automations.analytics import history
    from automations.models_view import overview

    rows = overview.overview_rows(dags, history.deployed_by_automation(store), history.latest_outcomes(store), "")
    return {
        "analytics": {"ok": True, "conn_id": "model_analytics", "error": None, "where": "postgresql"},
        "automations": rows,
    }


def _detail(store: Any, dags: dict[str, Any], name: str) -> dict[str, Any]:
    from automations.analytics import history
    from automations.models_view import overview

    found = history.automation_history(store, name, 100)
    return {
        "analytics": {"ok": True, "conn_id": "model_analytics", "error": None, "where": "postgresql"},
        **overview.history_payload(name, dags[name], found, {}, ""),
    }


def _timed(fn: Any, *args: Any) -> tuple[float, Any]:
    began = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - began, value


def _serve(answers: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(STATIC.parent), **kwargs)

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = self.path.split("?")[0]
            if path in answers:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answers[path])
                return
            self.path = "/static/index.html" if path == "/" else path
            super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _browser_times(url: str, name: str) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    flags = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    overview_s, detail_s = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
        for _ in range(ROUNDS):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            began = time.perf_counter()
            page.goto(f"{url}/")
            page.locator(f'tr[data-automation="auto_{min(AUTOMATIONS, 100) - 1:04d}"]').wait_for()
            page.get_by_text(f"of {AUTOMATIONS}").wait_for()
            overview_s.append(time.perf_counter() - began)
            began = time.perf_counter()
            page.goto(f"{url}/#/automation/{name}")
            page.locator('.plot[data-metric="f1_score"] canvas').wait_for()
            page.locator("#builds tbody tr").nth(99).wait_for()
            detail_s.append(time.perf_counter() - began)
            page.close()
        browser.close()
    return overview_s, detail_s


def main() -> None:
    from tests.integration.postgres import conftest as pg

    pg._install()
    pg._start()
    pg._ensure_role()
    server = pg.Server()
    database = server.create_database()
    os.environ["AIRFLOW_CONN_MODEL_ANALYTICS"] = server.uri(database)
    try:
        from automations.analytics import open_store
        from automations.settings import get_settings

        store = open_store(get_settings())
        _seed(store)
        dags, name = _dag_states(), f"auto_{AUTOMATIONS // 2:04d}"
        overview_s, detail_s = [], []
        for _ in range(ROUNDS):
            seconds, overview = _timed(_overview, store, dags)
            overview_s.append(seconds)
            seconds, detail = _timed(_detail, store, dags, name)
            detail_s.append(seconds)
        answers = {
            "/api/automations": json.dumps(overview).encode(),
            f"/api/automations/{name}": json.dumps(detail).encode(),
        }
        http = _serve(answers)
        page_overview, page_detail = _browser_times(f"http://127.0.0.1:{http.server_address[1]}", name)
        http.shutdown()
        print(f"models view, {AUTOMATIONS} automations / {BUILDS} builds on PostgreSQL (median of {ROUNDS}):")
        size = len(answers["/api/automations"])
        print(f"  overview JSON  {statistics.median(overview_s) * 1000:7.0f} ms  ({size} bytes)")
        print(f"  detail JSON    {statistics.median(detail_s) * 1000:7.0f} ms")
        print(f"  overview page  {statistics.median(page_overview) * 1000:7.0f} ms in Chromium (render from JSON)")
        print(f"  detail page    {statistics.median(page_detail) * 1000:7.0f} ms in Chromium (plots + 100 builds)")
        total = statistics.median(overview_s) + statistics.median(page_overview)
        print(f"  overview total {total * 1000:7.0f} ms (goal < 1000 ms)")
    finally:
        from automations.analytics.connection import dispose_engines

        dispose_engines()
        server.drop_database(database)


if __name__ == "__main__":
    main()
