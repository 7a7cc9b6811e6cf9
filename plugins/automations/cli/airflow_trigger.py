"""Start a DAG run now: through the Airflow REST API (v2) when a server is configured, else ``airflow dags trigger``.

Either way the run's conf goes through the DAG's Params, so a bad branch is refused by Airflow itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from ..settings import Settings

TIMEOUT_S = 30


class TriggerError(RuntimeError):
    """Airflow refused the run or could not be reached; the message says which and why."""


@dataclass(frozen=True)
class Triggered:
    run_id: str
    state: str
    via: str
    paused: Optional[bool] = None  # None: not known (the CLI path does not say)


def trigger(settings: Settings, dag_id: str, conf: dict[str, Any]) -> Triggered:
    if settings.airflow_url:
        return RestApi(settings).trigger(dag_id, conf)
    return _cli_trigger(dag_id, conf)


class RestApi:
    def __init__(self, settings: Settings):
        self.url = settings.airflow_url.rstrip("/")
        self._settings = settings
        self._token: Optional[str] = None

    def trigger(self, dag_id: str, conf: dict[str, Any]) -> Triggered:
        status, dag = self._call("GET", f"/api/v2/dags/{dag_id}")
        if status == 404:
            raise TriggerError(f"Airflow at {self.url} has no DAG {dag_id!r} (yet: new files take a parse cycle)")
        _raise_for(status, dag, f"reading DAG {dag_id!r}")
        status, body = self._call("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf})
        _raise_for(status, body, f"triggering {dag_id!r}")
        return Triggered(body["dag_run_id"], body.get("state", ""), f"REST API {self.url}", bool(dag.get("is_paused")))

    def _call(self, method: str, path: str, body: Optional[dict] = None) -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {self._bearer()}", "Content-Type": "application/json"}
        return _request(method, f"{self.url}{path}", body, headers)

    def _bearer(self) -> str:
        if self._token is None:
            given = self._settings.airflow_token.get_secret_value()
            self._token = given or self._login()
        return self._token

    def _login(self) -> str:
        user, password = self._settings.airflow_username, self._settings.airflow_password.get_secret_value()
        if not (user and password):
            raise TriggerError(
                "AUTOMATIONS_AIRFLOW_URL is set but no credentials: set AUTOMATIONS_AIRFLOW_TOKEN, or "
                "AUTOMATIONS_AIRFLOW_USERNAME and AUTOMATIONS_AIRFLOW_PASSWORD"
            )
        status, body = _request("POST", f"{self.url}/auth/token", {"username": user, "password": password}, {})
        if status not in (200, 201) or "access_token" not in body:
            raise TriggerError(f"logging in to {self.url} as {user!r} failed (HTTP {status})")
        return str(body["access_token"])


def _request(method: str, url: str, body: Optional[dict], headers: dict[str, str]) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
            return resp.status, _json(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, _json(err.read())
    except (urllib.error.URLError, OSError) as err:
        raise TriggerError(f"cannot reach Airflow at {url.split('/api/')[0].split('/auth/')[0]}: {err}") from None


def _json(raw: bytes) -> dict:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {"detail": raw[:300].decode(errors="replace")}
    return value if isinstance(value, dict) else {"detail": value}


def _raise_for(status: int, body: dict, doing: str) -> None:
    if status in (200, 201):
        return
    detail = body.get("detail", body)
    if status in (401, 403):
        raise TriggerError(f"{doing}: Airflow refused the credentials (HTTP {status}): {detail}")
    raise TriggerError(f"{doing}: HTTP {status}: {detail}")


def _cli_trigger(dag_id: str, conf: dict[str, Any]) -> Triggered:
    """``airflow dags trigger`` from this interpreter's environment, on this machine's AIRFLOW_HOME database."""
    airflow = Path(sys.executable).parent / "airflow"
    command = [str(airflow), "dags", "trigger", dag_id, "--conf", json.dumps(conf), "--output", "json"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    except FileNotFoundError:
        raise TriggerError(f"no `airflow` command beside {sys.executable}; set AUTOMATIONS_AIRFLOW_URL") from None
    if done.returncode != 0:
        raise TriggerError(f"`airflow dags trigger {dag_id}` failed: {_last_error(done.stderr or done.stdout)}")
    rows = _rows(done.stdout)
    if not rows:
        raise TriggerError(f"`airflow dags trigger {dag_id}` printed no run: {done.stdout.strip()[-300:]}")
    return Triggered(str(rows[0].get("dag_run_id", "")), str(rows[0].get("state", "")), "airflow dags trigger")


def _rows(stdout: str) -> list[dict]:
    # Airflow may log lines before the JSON document; the document is the last line that parses.
    for line in reversed(stdout.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return value
    return []


def _last_error(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line or "error" in line]
    return (errors or lines or ["(no output)"])[-1][:500]
