"""`serve`: the model server (GET /health, GET /metrics, POST /predict) every backend runs.

uvicorn (uvloop + httptools) workers forked from a supervisor after the model is loaded; see serve_workers.py for
processes, serve_app.py for routes and limits, serve_predict.py for batching and timeouts. Deployment spec:
  * number_of_http_server_workers -> MODEL_SERVER_WORKERS: worker processes on one shared listening socket.
  * http_request_timeout_ms -> MODEL_SERVER_TIMEOUT_MS: a /predict not answered in time gets 504; that worker is
    replaced (its model thread cannot be interrupted) while the others keep serving.
  * max_batch_size -> MODEL_SERVER_MAX_BATCH_SIZE: the most requests merged into one predict() (Qwak/BentoML's
    micro-batching meaning); a request's records always go to predict() together.
  * daemon_mode -> MODEL_SERVER_DAEMON_MODE: accepted and a documented no-op. Qwak passed it to gunicorn's
    --daemon; here the server must stay in the foreground (PID 1 of its container; locally the deploy already
    starts it detached in its own session).
Not in Qwak's spec, set through deployment env_vars: MODEL_SERVER_MAX_BODY_BYTES (413 above; 8 MiB),
MODEL_SERVER_KEEP_ALIVE_S (5), MODEL_SERVER_DRAIN_S (30).
Busy keep-alive connections are kept even across the workers; idle ones do not count (serve_balance.py).
/health answers 200 only once the model is loaded: the socket is opened after loading.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
import traceback
from pathlib import Path
from typing import Any

from . import contract
from .adapters import model_io
from .discovery import add_to_path, wire_model_libraries
from .libraries import enter_local_mode
from .payload import warm_up
from .serve_config import ServerConfig, config_from_env

__all__ = ["ServerConfig", "config_from_env", "load_artifact", "run"]


def load_artifact(artifact: Path) -> Any:
    """Unpickle the model (its source copy on sys.path) and run initialize_model() when it has one."""
    add_to_path(artifact / contract.SOURCE_DIR)
    enter_local_mode()
    wire_model_libraries()
    with (artifact / contract.ARTIFACT_FILE).open("rb") as fh:
        model = pickle.load(fh)
    if callable(getattr(model, "initialize_model", None)):
        model.initialize_model()
    return model


def _prepare_metrics_dir() -> str:
    """Multiprocess metrics need a directory that is fresh per server start (stale files would add up)."""
    path = tempfile.mkdtemp(prefix="model-server-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path  # before prometheus_client is imported (serve_metrics)
    return path


def run(artifact: Path, host: str, port: int) -> int:
    from .serve_deps import ensure

    problem = ensure()
    if problem:
        print(f"model_runtime serve: {problem}", flush=True)
        return contract.EXIT_SERVE_FAILED
    config = config_from_env(host, port)
    try:
        model = load_artifact(artifact)
    except Exception as exc:
        traceback.print_exc()
        print(f"model_runtime serve: could not load the model from {artifact}: {exc!r}", flush=True)
        from .permissions import explain

        hint = explain(exc)
        if hint:
            print(f"model_runtime serve: {hint}", flush=True)
        return contract.EXIT_SERVE_FAILED
    for note in model_io(model).notes:
        print(f"model_runtime serve: WARNING: {note}", flush=True)
    warm_up()  # imports now, before forking, not inside every worker's first request
    metrics_dir = _prepare_metrics_dir()
    from .serve_metrics import Metrics
    from .serve_workers import Supervisor, listening_socket

    metrics = Metrics()
    sock = listening_socket(host, port)
    print(
        f"model_runtime serve: {type(model).__qualname__} on http://{host}:{sock.getsockname()[1]} "
        f"workers={config.workers} timeout_ms={config.timeout_ms} max_batch={config.max_batch} "
        f"max_body_bytes={config.max_body_bytes}",
        flush=True,
    )
    try:
        return Supervisor(sock, model, config, metrics).run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
