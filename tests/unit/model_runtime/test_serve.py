import json
import threading
import time
import urllib.error
import urllib.request

import pandas as pd
import pytest

from model_runtime import contract
from model_runtime.serve import (
    Handler,
    ModelServer,
    ServerConfig,
    call_with_timeout,
    config_from_env,
    listening_socket,
    predict_records,
)

pytestmark = pytest.mark.unit


class Recorder:
    """A model that records each batch it gets; sleeps when a record asks it to."""

    def __init__(self):
        self.batches = []

    def predict(self, df: pd.DataFrame):
        self.batches.append(len(df))
        if "sleep" in df.columns:
            time.sleep(float(df["sleep"].max()))
        if "boom" in df.columns:
            raise ValueError("bad feature")
        return pd.DataFrame({"y": df["x"] * 2})


@pytest.fixture
def server():
    """A ModelServer on a free port, served from a thread, as one worker would serve it."""
    sock = listening_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    config = ServerConfig(host="127.0.0.1", port=port, workers=1, timeout_ms=300, max_batch=2)
    srv = ModelServer(("127.0.0.1", port), Handler, bind_and_activate=False)
    srv.socket, srv.model, srv.config = sock, Recorder(), config
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv, f"http://127.0.0.1:{port}"
    srv.shutdown()
    srv.server_close()


def call(url, body=None):
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_health(server):
    assert call(server[1] + "/health") == (200, {"status": "ok"})


def test_predict_splits_into_max_batch_and_concatenates(server):
    srv, url = server
    status, body = call(url + "/predict", json.dumps([{"x": 1}, {"x": 2}, {"x": 3}]).encode())
    assert (status, body) == (200, [{"y": 2}, {"y": 4}, {"y": 6}])
    assert srv.model.batches == [2, 1]


def test_bad_json_is_400_with_a_message(server):
    status, body = call(server[1] + "/predict", b"{nope")
    assert status == 400 and "not valid JSON" in body["error"]


def test_unknown_route_is_404(server):
    assert call(server[1] + "/nope")[0] == 404
    assert call(server[1] + "/nope", b"[]")[0] == 404


def test_predict_error_is_500_with_the_reason(server):
    status, body = call(server[1] + "/predict", json.dumps([{"x": 1, "boom": 1}]).encode())
    assert status == 500 and "ValueError: bad feature" in body["error"]


def test_slow_prediction_is_504_and_the_worker_is_marked_for_recycling(server):
    srv, url = server
    started = time.monotonic()
    status, body = call(url + "/predict", json.dumps([{"x": 1, "sleep": 2}]).encode())
    assert status == 504 and "300 ms" in body["error"]
    assert time.monotonic() - started < 1.5
    assert srv.recycle is True


def test_one_log_line_per_request(server, capfd):
    call(server[1] + "/predict", json.dumps([{"x": 1}]).encode())
    call(server[1] + "/health")
    # The server writes its log line after the response has gone out: wait for it instead of racing it.
    lines: list[str] = []
    deadline = time.monotonic() + 5
    while len(lines) < 2 and time.monotonic() < deadline:
        lines += [line for line in capfd.readouterr().err.splitlines() if " pid=" in line]
        time.sleep(0.02)
    assert len(lines) == 2
    assert "POST /predict 200" in lines[0] and "records=1" in lines[0]
    assert "GET /health 200" in lines[1]


def test_call_with_timeout():
    assert call_with_timeout(lambda: 5, 1) == (True, 5, None)
    done, _, error = call_with_timeout(lambda: 1 / 0, 1)
    assert done and isinstance(error, ZeroDivisionError)
    assert call_with_timeout(lambda: time.sleep(1), 0.05)[0] is False


def test_config_from_env_reads_the_contract_names():
    env = {contract.ENV_WORKERS: "3", contract.ENV_TIMEOUT_MS: "250", contract.ENV_MAX_BATCH: "16"}
    assert config_from_env("0.0.0.0", 9000, env) == ServerConfig("0.0.0.0", 9000, 3, 250, 16)
    assert config_from_env("h", 1, {}) == ServerConfig("h", 1, 2, 5000, 1)


def test_predict_records_accepts_lists_and_series():
    class Plain:
        def predict(self, df):
            return df["x"].tolist()

    assert predict_records(Plain(), [{"x": 1}, {"x": 2}], 5) == [1, 2]
