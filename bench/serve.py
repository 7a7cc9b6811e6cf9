"""``make bench-serve``: our model server against gunicorn sync + Flask (Qwak's stack), on the same pickled model.

Setup (cached under .cache/bench-serve/): one virtualenv with the example model's dependencies, our pinned server
packages, gunicorn and Flask; the example classifier built once with ``python -m model_runtime build``.
Servers, each with BENCH_SERVE_WORKERS (2) workers: ours (``model_runtime serve``), gunicorn sync + Flask
(bench/serve_flask.py, the runtime's own payload code), ours behind the local gateway (the stable URL), and
MLServer (bench/serve_mlserver.py, a custom runtime over the same model, V2 protocol with the pandas codec; its own
cached venv, .cache/bench-serve/mlserver-venv; skipped with the install error when it does not install).
Load: Debian's wrk on loopback at 1, 8 and 64 connections with 1- and 100-record bodies, BENCH_SERVE_SECONDS (5)
per point, BENCH_SERVE_ROUNDS (3) interleaved rounds, medians. Before each recorded run the machine is let go idle
(bench/quiet.py) and wrk warms the same point up, unrecorded, for BENCH_SERVE_WARMUP_SECONDS (1). Reported:
requests/s, p50, p99 and errors, with ratios against gunicorn in the same run; then the idle-client check
(3 x workers idle connections, the slowest /health and /predict answer) and a redeploy: wrk at 8 connections on the
stable URL for 30 s while the model is redeployed three times, counting failed requests. Results also go to
.cache/bench-serve/results.json.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench import quiet

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "bench-serve"
PLUGINS = ROOT / "plugins"
EXAMPLE = ROOT / "include" / "models" / "example_classifier"
WORKERS = int(os.environ.get("BENCH_SERVE_WORKERS", "2"))
SECONDS = int(os.environ.get("BENCH_SERVE_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_SERVE_ROUNDS", "3"))
WARMUP_S = int(os.environ.get("BENCH_SERVE_WARMUP_SECONDS", "1"))
CONNECTIONS = (1, 8, 64)
BODIES = (1, 100)
BASELINE = ["gunicorn==27.0.1", "flask==3.1.3"]
# uvloop 0.22+ raises in asyncio.get_event_loop() without a running loop, which MLServer 1.7.1's inference-pool
# workers call at start (they die with "There is no current event loop"); 0.21 is the last that works with it.
MLSERVER = ["mlserver==1.7.1", "uvloop==0.21.0"]

sys.path.insert(0, str(PLUGINS))


def sh(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kwargs)


def ensure_wrk() -> str:
    if not shutil.which("wrk"):
        print("bench-serve: installing Debian's wrk", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or "wrk"


def ensure_env() -> Path:
    from model_runtime.serve_deps import SERVER_REQUIREMENTS

    requirements = [
        *(EXAMPLE / "main" / "requirements.txt").read_text().split(),
        "pytest",
        *SERVER_REQUIREMENTS,
        *BASELINE,
    ]
    return _venv(CACHE / "venv", requirements)


def ensure_mlserver_env() -> Path | None:
    """MLServer's venv, or None (with the reason printed) when it does not install."""
    requirements = [*(EXAMPLE / "main" / "requirements.txt").read_text().split(), *MLSERVER]
    try:
        return _venv(CACHE / "mlserver-venv", requirements)
    except subprocess.CalledProcessError as exc:
        print(f"bench-serve: MLServer did not install, left out: {(exc.stderr or '').strip()[-2000:]}", flush=True)
        return None


def _venv(venv: Path, requirements: list[str]) -> Path:
    marker = venv / ".requirements"
    python = venv / "bin" / "python"
    if marker.is_file() and marker.read_text() == "\n".join(requirements):
        return python
    print(f"bench-serve: creating {venv} ({', '.join(requirements)})", flush=True)
    shutil.rmtree(venv, ignore_errors=True)
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    sh([uv, "venv", "--python", sys.executable, str(venv)])
    sh([uv, "pip", "install", "--python", str(python), *requirements])
    marker.write_text("\n".join(requirements))
    return python


def ensure_artifact(python: Path) -> Path:
    artifact = CACHE / "artifact"
    if not (artifact / "model.pkl").is_file():
        print("bench-serve: building the example model", flush=True)
        env = dict(os.environ, PYTHONPATH=str(PLUGINS))
        cmd = [str(python), "-m", "model_runtime", "build", "--source", str(EXAMPLE), "--output", str(artifact)]
        sh(cmd, env=env)
    return artifact


def bodies(python: Path) -> tuple[dict[int, Path], dict[int, Path]]:
    """Request bodies per record count: ours and gunicorn's (a list of records), and MLServer's (V2, pandas codec)."""
    code = (
        "import json,sys; from sklearn.datasets import load_breast_cancer as l; d=l(as_frame=True).data;"
        "print(d.iloc[:100].to_json(orient='records'))"
    )
    rows = json.loads(sh([str(python), "-c", code]).stdout)
    paths, v2 = {}, {}
    for n in BODIES:
        paths[n] = CACHE / f"body-{n}.json"
        paths[n].write_text(json.dumps(rows[:n]))
        v2[n] = CACHE / f"body-{n}-v2.json"
        v2[n].write_text(json.dumps(v2_request(rows[:n])))
    return paths, v2


def v2_request(rows: list[dict]) -> dict:
    """The V2 inference protocol's form of the same records: one FP64 input per column, decoded to a DataFrame."""
    inputs = [
        {"name": column, "shape": [len(rows)], "datatype": "FP64", "data": [row[column] for row in rows]}
        for column in rows[0]
    ]
    return {"parameters": {"content_type": "pd"}, "inputs": inputs}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_health(url: str, proc: subprocess.Popen | None = None, timeout_s: float = 120, path: str = "/health") -> None:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection(host, int(port), timeout=1)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} not healthy within {timeout_s}s")


def start_ours(python: Path, artifact: Path, log: Path) -> tuple[subprocess.Popen, str]:
    from model_runtime import contract

    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(PLUGINS), **{contract.ENV_WORKERS: str(WORKERS)})
    with log.open("ab") as out:
        proc = subprocess.Popen(
            contract.serve_command(str(python), str(artifact), port, "127.0.0.1"),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return proc, f"http://127.0.0.1:{port}"


def start_gunicorn(python: Path, artifact: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=f"{PLUGINS}:{ROOT}", BENCH_ARTIFACT=str(artifact))
    cmd = [
        str(python),
        "-m",
        "gunicorn",
        "-w",
        str(WORKERS),
        "-k",
        "sync",
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "bench.serve_flask:app",
    ]
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return proc, f"http://127.0.0.1:{port}"


def start_mlserver(python: Path, artifact: Path, log: Path) -> tuple[subprocess.Popen, str]:
    directory = Path(tempfile.mkdtemp(prefix="bench-mlserver-"))
    port = free_port()
    settings = {
        "host": "127.0.0.1",
        "http_port": port,
        "grpc_port": free_port(),
        "metrics_port": free_port(),
        "parallel_workers": WORKERS,
        "debug": False,
        "metrics_dir": str(directory / ".metrics"),  # its default is ./.metrics, which left files in the checkout
    }
    (directory / "settings.json").write_text(json.dumps(settings))
    model = {"name": "bench", "implementation": "bench.serve_mlserver.ArtifactModel"}
    (directory / "model-settings.json").write_text(json.dumps(model))
    env = dict(os.environ, PYTHONPATH=f"{PLUGINS}:{ROOT}", BENCH_ARTIFACT=str(artifact))
    cmd = [str(python.parent / "mlserver"), "start", str(directory)]
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return proc, f"http://127.0.0.1:{port}"


def stop(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def lua_script(body: Path) -> Path:
    path = body.with_suffix(".lua")
    path.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(body.read_text())}\n"
    )
    return path


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(out: str) -> dict[str, float]:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99, "errors": errors, "requests": total}


def wrk(binary: str, endpoint: str, connections: int, body: Path, seconds: int) -> dict[str, float]:
    """wrk POSTing ``body`` to ``endpoint`` (the predict URL)."""
    threads = 1 if connections == 1 else 2
    cmd = [
        binary,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "5s",
        "-s",
        str(lua_script(body)),
        endpoint,
    ]
    return parse_wrk(sh(cmd).stdout)


def matrix(binary: str, targets: dict[str, tuple[str, dict[int, Path]]]) -> dict[str, dict[str, dict]]:
    """``targets``: server name -> (predict URL, request body per record count)."""
    results: dict[str, dict[str, list]] = {name: {} for name in targets}
    for round_ in range(ROUNDS):
        for connections in CONNECTIONS:
            for records in BODIES:
                point = f"c{connections}-r{records}"
                for name, (endpoint, paths) in targets.items():  # interleaved: drift hits every server alike
                    results[name].setdefault(point, []).append(measure(binary, endpoint, connections, paths[records]))
                print(f"bench-serve: round {round_ + 1}/{ROUNDS} {point} done", flush=True)
    return {name: {point: _median(runs) for point, runs in points.items()} for name, points in results.items()}


def measure(binary: str, endpoint: str, connections: int, body: Path) -> dict[str, float]:
    """One recorded wrk run, on an idle machine and after an unrecorded warm-up at the same point."""
    if not quiet.settle():
        print(f"bench-serve: the machine did not go idle within {quiet.MAX_WAIT_S:.0f} s; measuring anyway", flush=True)
    if WARMUP_S:
        wrk(binary, endpoint, connections, body, WARMUP_S)  # connections opened and spread, caches warm
    return wrk(binary, endpoint, connections, body, SECONDS)


def _median(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]} | {
        "errors": sum(run["errors"] for run in runs)
    }


IDLE_SAMPLES = 20


def idle_clients(
    url: str, count: int, body: Path, health: str = "/health", predict: str = "/predict"
) -> dict[str, Any]:
    """Slowest /health and /predict answer (ms) of IDLE_SAMPLES, with ``count`` idle connections open; None means
    timed out."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    idle = [socket.create_connection((host, int(port))) for _ in range(count)]
    worst: dict[str, Any] = {"health_ms": 0.0, "predict_ms": 0.0}
    try:
        time.sleep(0.3)
        for _ in range(IDLE_SAMPLES):
            for key, method, path, data in (
                ("health_ms", "GET", health, None),
                ("predict_ms", "POST", predict, body.read_bytes()),
            ):
                started = time.perf_counter()
                try:
                    conn = http.client.HTTPConnection(host, int(port), timeout=3)
                    conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
                    conn.getresponse().read()
                    conn.close()
                    if worst[key] is not None:
                        worst[key] = max(worst[key], (time.perf_counter() - started) * 1000)
                except OSError:
                    worst[key] = None  # timed out: the idle connections starve it
    finally:
        for sock in idle:
            sock.close()
    return worst


def deployed(python: Path, artifact: Path, state: Path) -> tuple[Any, Any, dict]:
    """(local settings, the automation, helpers): ``deploy(n)`` deploys "build" n of the cached artifact."""
    from automations.backends.local.deploy import deploy
    from automations.runs import BuildResult
    from automations.settings import get_settings
    from automations.spec import Automation

    settings = get_settings().replace(state_dir=state, artifact_root=(state / "artifacts").as_uri()).local
    spec = Automation.model_validate(
        {
            "name": "bench_serve",
            "model_id": "bench-serve",
            "action": {
                "build_spec": {"git_uri": "file:///nowhere/bench.git#m"},
                "deployment_spec": {"number_of_http_server_workers": WORKERS, "deployment_timeout": 120},
            },
        }
    )

    def deploy_build(n: int) -> str:
        build = BuildResult(
            metrics={},
            build_id=f"bench-serve-b{n}",
            artifact_uri="",
            commit="b" * 40,
            python=str(python),
            local_artifact=str(artifact),
            runtime_path=str(PLUGINS),
        )
        return deploy(spec, build, None, settings).endpoint

    return settings, spec, {"deploy": deploy_build}


def redeploy_under_load(binary: str, python: Path, artifact: Path, body: Path, state: Path) -> dict[str, Any]:
    _, _, helpers = deployed(python, artifact, state)
    url = helpers["deploy"](1)
    out: dict[str, Any] = {}

    def load() -> None:
        out.update(wrk(binary, f"{url}/predict", 8, body, 30))

    thread = threading.Thread(target=load)
    begin = time.monotonic()
    thread.start()
    swaps, n = [], 2
    time.sleep(2)
    while time.monotonic() - begin < 20:  # back to back, each one starting well inside the 30 s of load
        started = time.monotonic()
        helpers["deploy"](n)
        swaps.append((round(started - begin, 1), round(time.monotonic() - begin, 1)))
        n += 1
    thread.join()
    within = [s for s in swaps if s[1] <= 30]
    return {**out, "redeploys": len(within), "deploy_windows_s": swaps, "url": url}


def ratios(results: dict[str, dict[str, dict]]) -> list[dict]:
    rows = []
    base = results["gunicorn+flask"]
    for name, points in results.items():
        for point, figures in points.items():
            ref = base[point]
            rows.append(
                {
                    "server": name,
                    "point": point,
                    **figures,
                    "rps_ratio": figures["rps"] / ref["rps"],
                    "p99_ratio": figures["p99_ms"] / ref["p99_ms"],
                }
            )
    return rows


def report(rows: list[dict], idle: dict, swap: dict) -> None:
    print(f"\nmodel serving, {WORKERS} workers, wrk {SECONDS}s x {ROUNDS} rounds (medians), ratios vs gunicorn+flask")
    print("| server | connections | records | req/s | × gunicorn | p50 ms | p99 ms | p99 × gunicorn | errors |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        c, n = r["point"][1:].split("-r")
        print(
            f"| {r['server']} | {c} | {n} | {r['rps']:.0f} | {r['rps_ratio']:.2f} | {r['p50_ms']:.2f} | "
            f"{r['p99_ms']:.2f} | {r['p99_ratio']:.2f} | {r['errors']} |"
        )
    print(
        f"\nidle clients ({3 * WORKERS} idle connections), slowest of {IDLE_SAMPLES} answers "
        "(ms; None = timed out after 3 s):"
    )
    for name, figures in idle.items():
        shown = {k: "timed out" if v is None else f"{v:.1f} ms" for k, v in figures.items()}
        print(f"  {name}: /health {shown['health_ms']}, /predict {shown['predict_ms']}")
    print(
        f"\nredeploy under load: {swap['redeploys']} redeploys completed within 30 s of wrk -c8 on {swap['url']}: "
        f"{swap['requests']} requests, {swap['errors']} failed, {swap['rps']:.0f} req/s; deploys (start, end) s "
        f"after the load began: {swap['deploy_windows_s']}"
    )


def main() -> int:
    CACHE.mkdir(parents=True, exist_ok=True)
    binary = ensure_wrk()
    python = ensure_env()
    mlserver_python = ensure_mlserver_env()
    artifact = ensure_artifact(python)
    paths, v2_paths = bodies(python)
    logs = CACHE / "logs"
    logs.mkdir(exist_ok=True)
    state = Path(tempfile.mkdtemp(prefix="bench-serve-state-"))
    procs = []
    try:
        ours, ours_url = start_ours(python, artifact, logs / "ours.log")
        guni, guni_url = start_gunicorn(python, artifact, logs / "gunicorn.log")
        procs += [ours, guni]
        wait_health(ours_url, ours)
        wait_health(guni_url, guni)
        gateway_url = deployed(python, artifact, state)[2]["deploy"](0)
        urls = {"ours": ours_url, "gunicorn+flask": guni_url, "ours via gateway": gateway_url}
        targets = {name: (f"{url}/predict", paths) for name, url in urls.items()}
        if mlserver_python is not None:
            mls, mls_url = start_mlserver(mlserver_python, artifact, logs / "mlserver.log")
            procs.append(mls)
            wait_health(mls_url, mls, path="/v2/models/bench/ready")
            targets["mlserver"] = (f"{mls_url}/v2/models/bench/infer", v2_paths)
        results = matrix(binary, targets)
        idle = {name: idle_clients(urls[name], 3 * WORKERS, paths[1]) for name in urls}
        if mlserver_python is not None:
            idle["mlserver"] = idle_clients(
                mls_url, 3 * WORKERS, v2_paths[1], "/v2/health/ready", "/v2/models/bench/infer"
            )
        for proc in procs:
            stop(proc)
        procs = []
        swap = redeploy_under_load(binary, python, artifact, paths[1], state)
    finally:
        for proc in procs:
            stop(proc)
        _undeploy_all(state)
    rows = ratios(results)
    (CACHE / "results.json").write_text(json.dumps({"matrix": rows, "idle": idle, "redeploy": swap}, indent=2))
    report(rows, idle, swap)
    return 0


def _undeploy_all(state: Path) -> None:
    from automations.backends.local.deploy import undeploy
    from automations.gateway import control
    from automations.settings import get_settings

    settings = get_settings().replace(state_dir=state, artifact_root=(state / "artifacts").as_uri()).local
    with contextlib.suppress(Exception):
        undeploy(settings, "bench_serve")
    control.stop(settings.deployments_dir)
    shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
