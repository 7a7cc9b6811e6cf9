"""Stable URLs and zero-downtime swaps on the local backend, through the real gateway and real servers.

The "builds" here are prepared artifacts of the probe model served by this interpreter (it has the server's
packages), so each deploy costs a server start, not a model build.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
from local_backend_support import ROOT, automation, deploy
from tests.support.model_server import make_artifact

from automations.backends.errors import DeployFailed
from automations.backends.local.deploy import undeploy
from automations.backends.local.process import is_alive
from automations.cli import deployments as deployments_cli
from automations.gateway import control as gateway
from automations.gateway import keeper, registry
from model_runtime import contract

pytestmark = pytest.mark.integration


def fake_build(tmp_path: Path, build_id: str, broken: bool = False) -> dict:
    artifact = make_artifact(tmp_path / build_id)
    if broken:
        (artifact / contract.ARTIFACT_FILE).write_bytes(b"not a pickle")
    return {
        "build_id": build_id,
        "commit": "c" * 40,
        "metrics": {},
        "python": sys.executable,
        "local_artifact": str(artifact),
        "runtime_path": str(ROOT / "plugins"),
        "artifact_uri": "",
    }


def call(url: str, path: str = "/predict", body: bytes = b'[{"x": 1}]') -> tuple[int, dict, bytes]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("POST" if body else "GET", path, body=body or None)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def spec(name: str, variation: str = "default", weight: int = 100):
    return automation(
        name,
        {
            "variation_name": variation,
            "traffic_weight": weight,
            "number_of_http_server_workers": 1,
            "deployment_timeout": 60,
        },
    )


def test_one_url_across_redeploys_undeploy_and_a_gateway_restart(settings, cleanup, tmp_path, monkeypatch, capsys):
    deploy(spec("keeper"), fake_build(tmp_path, "keeper-b1"), None, settings)  # keeps the gateway up at undeploy
    first = deploy(spec("stable"), fake_build(tmp_path, "stable-b1"), None, settings)
    assert call(first["endpoint"])[1]["X-Automation-Build"] == "stable-b1"
    second = deploy(spec("stable"), fake_build(tmp_path, "stable-b2"), None, settings)
    assert second["endpoint"] == first["endpoint"] and second["upstream"] != first["upstream"]
    status, headers, body = call(first["endpoint"])
    assert (status, headers["X-Automation-Build"], json.loads(body)) == (200, "stable-b2", [{"y": 2, "n": 1}])
    undeploy(settings, "stable")
    assert call(first["endpoint"])[0] == 503  # the port stays reserved, saying nothing is deployed
    undeploy(settings, "keeper")
    assert gateway.running_pid(settings.deployments_dir) is None  # nothing left: the last undeploy stops it
    # As after a machine restart, with no gateway running: the next deploy starts it on the same ports.
    third = deploy(spec("stable"), fake_build(tmp_path, "stable-b3"), None, settings)
    assert third["endpoint"] == first["endpoint"]
    assert call(third["endpoint"])[1]["X-Automation-Build"] == "stable-b3"
    assert call(third["endpoint"], "/health", b"")[0] == 200
    monkeypatch.setenv("AUTOMATIONS_STATE_DIR", str(settings.state_dir))
    assert deployments_cli.run(argparse.Namespace(json=False)) == 0
    (row,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("stable ")]
    assert third["endpoint"] in row and "stable-b3" in row and third["upstream"] in row
    assert b"model_server_requests_total" in call(third["endpoint"], "/metrics", b"")[2]


def test_zero_failed_requests_during_redeploys_under_load(settings, cleanup, tmp_path):
    url = deploy(spec("swap"), fake_build(tmp_path, "swap-b1"), None, settings)["endpoint"]
    host, port = url.removeprefix("http://").rsplit(":", 1)
    stop, results = threading.Event(), []

    def client() -> None:  # keep-alive clients, as an application's connection pool would be
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        while not stop.is_set():
            try:
                conn.request("POST", "/predict", body=b'[{"x": 1}]')
                response = conn.getresponse()
                response.read()
                results.append((response.status, response.getheader("X-Automation-Build")))
            except (OSError, http.client.HTTPException) as exc:
                results.append((type(exc).__name__, None))
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)
        for n in (2, 3):
            deploy(spec("swap"), fake_build(tmp_path, f"swap-b{n}"), None, settings)
            time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    failed = [r for r in results if r[0] != 200]
    assert len(results) > 50 and not failed, (len(results), failed[:5])
    assert {"swap-b1", "swap-b2", "swap-b3"} <= {build for _, build in results}


def test_a_server_that_fails_to_start_never_receives_traffic(settings, cleanup, tmp_path):
    url = deploy(spec("failing"), fake_build(tmp_path, "failing-b1"), None, settings)["endpoint"]
    with pytest.raises(DeployFailed, match="exited"):
        deploy(spec("failing"), fake_build(tmp_path, "failing-b2", broken=True), None, settings)
    assert all(call(url)[1]["X-Automation-Build"] == "failing-b1" for _ in range(5))


def test_model_url_splits_traffic_across_variations_by_weight(settings, cleanup, tmp_path):
    a = deploy(spec("ab", "a", weight=100), fake_build(tmp_path, "ab-a1"), None, settings)
    deploy(spec("ab", "b", weight=0), fake_build(tmp_path, "ab-b1"), None, settings)
    model_url = a["model_endpoint"]
    base, path = model_url.split("/v1/", 1)
    assert {call(base, "/v1/" + path)[1]["X-Automation-Variation"] for _ in range(20)} == {"a"}
    deploy(spec("ab", "b", weight=100), fake_build(tmp_path, "ab-b2"), None, settings)
    seen = [call(base, "/v1/" + path)[1]["X-Automation-Variation"] for _ in range(60)]
    assert 10 < seen.count("b") < 50, seen.count("b")  # about half: a 1-in-10^9 chance of a false failure
    assert call(base, "/v1/no-such-model/predict")[0] == 503


def test_a_crashed_server_is_restarted_logged_and_counted(settings, cleanup, tmp_path):
    url = deploy(spec("crashy"), fake_build(tmp_path, "crashy-b1"), None, settings)["endpoint"]
    before = registry.read(settings.deployments_dir, "crashy", "default")
    os.killpg(before.pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while True:
        after = registry.read(settings.deployments_dir, "crashy", "default")
        if after.pid != before.pid and call(url)[0] == 200:
            break
        assert time.monotonic() < deadline, "the supervisor did not restart the server"
        time.sleep(0.2)
    assert after.restarts == 1 and after.endpoint == before.endpoint
    log = (settings.deployments_dir / "logs" / "gateway.log").read_text()
    assert f"crashy--default restarted as pid {after.pid}" in log


def _wait_answer(url: str, timeout_s: float = 20) -> float:
    """Seconds until the stable URL answers /predict with 200 again."""
    started = time.monotonic()
    while True:
        try:
            if call(url)[0] == 200:
                return time.monotonic() - started
        except OSError:
            pass
        assert time.monotonic() - started < timeout_s, f"{url} did not answer again within {timeout_s}s"
        time.sleep(0.02)


class Prober(threading.Thread):
    """Connects to a URL's port and asks /health over and over, counting refused connections and answers."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.refused, self.answered, self.stop = url, 0, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.answered += call(self.url, "/health", b"")[0] == 200
            except ConnectionRefusedError:
                self.refused += 1
            except OSError:  # a request the killed process had in flight
                pass
            time.sleep(0.002)


def test_a_killed_gateway_is_restarted_logged_and_counted(settings, cleanup, tmp_path, capsys, monkeypatch):
    url = deploy(spec("gwkill"), fake_build(tmp_path, "gwkill-b1"), None, settings)["endpoint"]
    directory = settings.deployments_dir
    before = keeper.read_state(directory)
    prober = Prober(url)
    prober.start()
    os.kill(before["serving_pid"], signal.SIGKILL)  # the process serving every stable port
    _wait_answer(url)
    answered = prober.answered
    while prober.answered < answered + 20:  # well after the restart too
        time.sleep(0.01)
    prober.stop.set()
    prober.join()
    assert prober.refused == 0  # the keeper holds the listening sockets: connections waited in the backlog
    after = keeper.read_state(directory)
    assert after["pid"] == before["pid"] and after["serving_pid"] != before["serving_pid"]
    assert after["restarts"] == before["restarts"] + 1
    log = (directory / "logs" / "gateway.log").read_text()
    assert f"serving process {before['serving_pid']} killed by signal 9" in log
    assert f"restarted as pid {after['serving_pid']}" in log
    monkeypatch.setenv("AUTOMATIONS_STATE_DIR", str(settings.state_dir))
    assert deployments_cli.run(argparse.Namespace(json=False)) == 0
    assert f"restarts {after['restarts']}" in capsys.readouterr().out
    # The keeper itself killed: its serving process stops too, and the next deploy brings the URL back.
    os.kill(after["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while gateway.running_pid(directory) is not None or is_alive(after["serving_pid"]):
        assert time.monotonic() < deadline, "the orphaned serving process did not stop"
        time.sleep(0.1)
    deploy(spec("gwkill"), fake_build(tmp_path, "gwkill-b2"), None, settings)
    assert call(url)[1]["X-Automation-Build"] == "gwkill-b2"
    assert keeper.read_state(directory)["pid"] != after["pid"]


def test_idle_and_half_sent_clients_on_the_stable_url_do_not_starve_others(settings, cleanup, tmp_path):
    deployed = deploy(spec("idlegw"), fake_build(tmp_path, "idlegw-b1"), None, settings)  # 1 worker
    url, model_url = deployed["endpoint"], deployed["model_endpoint"]
    idle = []
    try:
        for target in (url, model_url.split("/v1/", 1)[0]):  # the variation's port and the per-model port
            host, port = target.removeprefix("http://").rsplit(":", 1)
            for i in range(6):  # 3x the workers on each, half of them stuck in the middle of a request
                sock = socket.create_connection((host, int(port)))
                if i % 2:
                    sock.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n[{")
                idle.append(sock)
        time.sleep(0.2)
        base, path = model_url.split("/v1/", 1)
        for _ in range(5):
            started = time.monotonic()
            assert call(url, "/health", b"")[0] == 200
            assert call(url)[0] == 200
            assert call(base, "/v1/" + path)[0] == 200
            # The bar is 100 ms (make bench-serve measures it); the test allows for a shared, busy CPU.
            assert time.monotonic() - started < 1.5
    finally:
        for sock in idle:
            sock.close()
