"""The server's pieces without HTTP: settings, batching (max_batch_size) and the per-request timeout."""

import asyncio
import time

import pandas as pd
import pytest

from model_runtime import contract
from model_runtime.install import ALWAYS
from model_runtime.serve import ServerConfig, config_from_env
from model_runtime.serve_deps import SERVER_REQUIREMENTS
from model_runtime.serve_predict import Predictor, PredictTimeout, predict_merged
from model_runtime.serve_workers import Supervisor

pytestmark = pytest.mark.unit


class Recorder:
    """Records the rows of every predict() call; sleeps when a record asks it to."""

    def __init__(self):
        self.calls = []

    def predict(self, df: pd.DataFrame):
        self.calls.append(len(df))
        if "sleep" in df.columns:
            time.sleep(float(df["sleep"].max()))
        return pd.DataFrame({"y": df["x"] * 2})


def test_config_from_env_reads_the_contract_names():
    env = {
        contract.ENV_WORKERS: "3",
        contract.ENV_TIMEOUT_MS: "250",
        contract.ENV_MAX_BATCH: "16",
        contract.ENV_MAX_BODY_BYTES: "1024",
        contract.ENV_KEEP_ALIVE_S: "7",
        contract.ENV_DRAIN_S: "9",
    }
    assert config_from_env("0.0.0.0", 9000, env) == ServerConfig("0.0.0.0", 9000, 3, 250, 16, 1024, 7, 9)
    defaults = config_from_env("h", 1, {})
    assert (defaults.workers, defaults.timeout_ms, defaults.max_batch) == (2, 5000, 1)
    assert defaults.max_body_bytes == 8 * 1024 * 1024


def test_install_adds_the_pinned_server_to_every_model_environment():
    assert set(SERVER_REQUIREMENTS) <= set(ALWAYS)
    assert all("==" in requirement for requirement in SERVER_REQUIREMENTS)


def run_concurrently(predictor, requests):
    async def main():
        return await asyncio.gather(*(predictor.predict(r) for r in requests), return_exceptions=True)

    return asyncio.run(main())


def test_default_batch_size_gives_a_request_one_predict_call_whatever_its_size():
    model = Recorder()
    predictor = Predictor(model, max_batch=1, timeout_s=5, on_stuck=lambda: None)
    (result,) = run_concurrently(predictor, [[{"x": i} for i in range(100)]])
    assert model.calls == [100]
    assert result == [{"y": 2 * i} for i in range(100)]


def test_batch_size_merges_queued_requests_into_one_call_and_splits_the_answers():
    model = Recorder()
    predictor = Predictor(model, max_batch=3, timeout_s=5, on_stuck=lambda: None)
    requests = [[{"x": 0}], [{"x": 1}], [{"x": 2}, {"x": 3}], [{"x": 4}], [{"x": 5}]]
    results = run_concurrently(predictor, requests)
    # Five requests queued together: three (the batch size) in one call, then the other two.
    assert model.calls == [4, 2]
    assert results == [[{"y": 0}], [{"y": 2}], [{"y": 4}, {"y": 6}], [{"y": 8}], [{"y": 10}]]


def test_merged_answers_that_do_not_line_up_fall_back_to_one_call_per_request():
    class Summary:
        def predict(self, df):
            return {"rows": len(df)}

    assert predict_merged(Summary(), [[{"x": 1}], [{"x": 2}, {"x": 3}]]) == [[{"rows": 1}], [{"rows": 2}]]


def test_timeout_raises_and_reports_the_stuck_worker_once():
    stuck = []
    predictor = Predictor(Recorder(), max_batch=1, timeout_s=0.1, on_stuck=lambda: stuck.append(1))
    started = time.monotonic()
    results = run_concurrently(predictor, [[{"x": 1, "sleep": 0.5}], [{"x": 2}]])
    assert all(isinstance(r, PredictTimeout) for r in results)
    assert "100 ms" in str(results[0])
    assert time.monotonic() - started < 0.45
    assert len(stuck) == 2  # each timed-out request reports it; the worker acts on the first


def test_crash_back_off_doubles_within_the_window_and_is_capped():
    supervisor = Supervisor(None, None, ServerConfig("h", 1), metrics=None)
    now = 1000.0
    delays = []
    for i in range(10):
        supervisor.crashes.append(now + i)
        delays.append(supervisor.backoff_s(now + i))
    assert delays[:4] == [0.1, 0.2, 0.4, 0.8]
    assert delays[-1] == 10.0
    assert supervisor.backoff_s(now + 200) == 0.1  # crashes older than the window no longer count


def test_the_docker_base_image_bakes_in_the_same_server_pins():
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "scripts" / "docker" / "base-requirements.txt"
    lines = {line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")}
    assert set(SERVER_REQUIREMENTS) <= lines  # else serving images try to download them with no network
