"""What the browser flows share: the session's definitions, the secret that must never show, screenshots."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import make_airflow
from tests.support.airflow_server import AirflowServer

SCREENSHOTS = make_airflow.ROOT / ".cache" / "screenshots" / "ui-flows"  # .cache/ is git-ignored
SECRET = "ghp_ui-flow-secret-never-shown-0123456789"
BRANCH = "ui-feature"
PRIVATE = """\
name: ui_private
model_id: ui_model
description: A private repository, cloned with a token from Airflow's secrets backend.
is_enabled: false
trigger: {cron: "0 4 * * *"}
action:
  build_spec: {git_uri: "https://git.example.com/acme/models.git#churn", git_access_token_secret: ui_git_token}
  deployment_condition: {metric_name: f1_score, threshold: "0.8"}
"""


@dataclass
class Ui:
    server: AirflowServer
    definitions: Path
    state: Path
    shots: Path

    def shot(self, page, name: str) -> Path:
        path = self.shots / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
