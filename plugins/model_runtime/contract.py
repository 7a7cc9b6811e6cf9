"""The one contract between the DAG side and the runtime: entry commands, argument names, env names, files.

Imported by both sides (the backends build commands with it; the runtime parses them), so they cannot drift.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

MODULE = "model_runtime"
RESULT_FILE = "result.json"  # written by `build` into --output
ARTIFACT_FILE = "model.pkl"  # the pickled model instance, inside --output
INSTALL_REPORT_FILE = ".model_runtime_install.json"  # written by `install` into --source: its warnings
DEPENDENCIES_FILE = ".model_runtime_dependencies.json"  # written by the clone step into the model dir: DependencyList
SOURCE_DIR = "src"  # copy of the model directory (main/ and friends) inside --output, needed to unpickle
KUBERNETES_XCOM_FILE = "/airflow/xcom/return.json"  # read by the KubernetesPodOperator's XCom sidecar

# Environment names the runtime reads.
ENV_PARAMETERS = "MODEL_BUILD_PARAMETERS"  # JSON object of BuildSpecifications.parameters
ENV_BUILD_ID = "MODEL_BUILD_ID"
ENV_MODEL_ID = "MODEL_ID"
ENV_AUTOMATION = "AUTOMATION_NAME"
ENV_WORKERS = "MODEL_SERVER_WORKERS"
ENV_TIMEOUT_MS = "MODEL_SERVER_TIMEOUT_MS"
ENV_MAX_BATCH = "MODEL_SERVER_MAX_BATCH_SIZE"
ENV_DAEMON_MODE = "MODEL_SERVER_DAEMON_MODE"
ENV_MAX_BODY_BYTES = "MODEL_SERVER_MAX_BODY_BYTES"  # a larger /predict body is answered 413
ENV_KEEP_ALIVE_S = "MODEL_SERVER_KEEP_ALIVE_S"  # idle keep-alive connections are closed after this
ENV_DRAIN_S = "MODEL_SERVER_DRAIN_S"  # on SIGTERM, in-flight requests get this long to finish
ENV_PORT = "MODEL_SERVER_PORT"
ENV_IT_ENDPOINT = "MODEL_IT_ENDPOINT"  # `integration`: the deployed model's URL, for the real_time_client fixture
INTEGRATION_TESTS_DIR = "tests/it"  # Qwak's integration tests: not run before training, run after deploy
INTEGRATION_REPORT_FILE = "integration.json"
ENV_UV = "MODEL_RUNTIME_UV"  # path of the uv binary `install` should use (the build venv has none of its own)
DEFAULT_PORT = 8000

# Exit codes of `python -m model_runtime ...`, so a backend can tell a failing test from a broken build.
EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INSTALL_FAILED = 3
EXIT_TESTS_FAILED = 4
EXIT_BUILD_FAILED = 5
EXIT_SERVE_FAILED = 6
EXIT_REASONS = {
    EXIT_INSTALL_FAILED: "installing the model's dependencies failed",
    EXIT_TESTS_FAILED: "the model's tests failed",
    EXIT_BUILD_FAILED: "the model's build failed",
    EXIT_SERVE_FAILED: "the model server could not start",
}


def install_command(python: str, source: str) -> list[str]:
    """Install ``source``'s DEPENDENCIES_FILE (plus pytest, pandas and the server) into ``python``'s environment."""
    return [python, "-m", MODULE, "install", "--source", source]


def build_command(python: str, source: str, main_dir: str, output: str, xcom_file: Optional[str] = None) -> list[str]:
    """Run tests/, call build(), collect metrics and save the artifact into ``output``."""
    cmd = [python, "-m", MODULE, "build", "--source", source, "--main-dir", main_dir, "--output", output]
    return cmd + (["--xcom-file", xcom_file] if xcom_file else [])


def integration_command(python: str, source: str, endpoint: str, report: str) -> list[str]:
    """Run ``tests/it/`` against ``endpoint`` (the deployed server's base URL); the outcome goes to ``report``."""
    return [python, "-m", MODULE, "integration", "--source", source, "--endpoint", endpoint, "--report", report]


def serve_command(python: str, artifact: str, port: int, host: str = "0.0.0.0") -> list[str]:
    """Serve ``/health``, ``/metrics`` and ``/predict``; workers, timeout and batch size come from the ENV_* names."""
    return [python, "-m", MODULE, "serve", "--artifact", artifact, "--host", host, "--port", str(port)]


@dataclass(frozen=True)
class DependencyList:
    """What the model needs installed, as pip takes it: the clone step translates the model's dependency file
    (conda.yml, pyproject.toml, requirements.txt) on the Airflow side and writes this as DEPENDENCIES_FILE, so the
    runtime reads JSON and never parses a dependency format itself.

    ``requirements`` are pip requirement lines; a nested ``-r``/``-c`` file is written ``-r PATH`` with PATH
    relative to the model directory. ``warnings`` say what the translation changed, one line each.
    """

    requirements: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    dependency_file: Optional[str] = None  # relative to the model directory; None: the model has none

    def to_json(self) -> str:
        return json.dumps({"version": 1, **asdict(self)}, indent=1)

    def write(self, path: Path) -> None:
        path.write_text(self.to_json() + "\n")

    @classmethod
    def read(cls, path: Path) -> DependencyList:
        data = json.loads(path.read_text())
        return cls(tuple(data.get("requirements", ())), tuple(data.get("warnings", ())), data.get("dependency_file"))


@dataclass
class BuildResult:
    """What ``build`` writes to RESULT_FILE (and to --xcom-file)."""

    metrics: dict[str, float] = field(default_factory=dict)
    artifact: str = ARTIFACT_FILE
    tests: dict[str, int] = field(default_factory=dict)  # {"passed": n, "failed": n}
    python: str = ""
    warnings: list[str] = field(default_factory=list)  # what `install` changed about the dependencies, schema()
    params: dict[str, Any] = field(default_factory=dict)  # BuildSpecifications.parameters + log_param's
    api_schema: Optional[dict[str, Any]] = None  # model_schema.describe() of schema(), when the model defines one

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def read(cls, path: Path) -> BuildResult:
        return cls.from_dict(json.loads(path.read_text()))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BuildResult:
        """From the file's JSON (or what a pod's XCom sidecar read of it); a newer runtime's extras are ignored and
        a null is the field's default."""
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__ and v is not None})
