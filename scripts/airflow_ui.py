"""make airflow: the Airflow UI on the embedded default (local backend, SQLite), in the foreground until Ctrl-C.

Runs ``airflow standalone`` (scheduler, dag-processor, API server, triggerer) in a session of its own, so the
terminal's Ctrl-C reaches only this launcher, which then stops standalone the way it wants to be stopped (SIGINT)
and kills whatever of its process tree is still alive after that. Model servers that runs deployed while it ran
are stopped too: nothing started here outlives it. The home (``.airflow/`` by default) is reused, so runs, toggles
and the generated login survive a restart.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
START_TIMEOUT_S = float(os.environ.get("AIRFLOW_START_TIMEOUT", "180"))
STOP_GRACE_S = 15  # twice: after SIGINT to standalone, then after SIGTERM to what is left
USER = "admin"
# A laptop's share: standalone's LocalExecutor forks `parallelism` workers (32 by default, about 1 GB).
DEFAULTS = {
    "AIRFLOW__CORE__PARALLELISM": "4",
    "AIRFLOW__API__HOST": "127.0.0.1",  # this machine only; set 0.0.0.0 to open it to the network
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
    # Definitions live in include/automations/, read whenever dags/automations.py is re-parsed: this interval
    # is how long a new or edited definition takes to show (refresh_interval only matters for new dags/ files).
    "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "30",
    "AUTOMATIONS_BACKEND": "local",
}


def environment() -> dict[str, str]:
    env = {**DEFAULTS, **os.environ}
    home = Path(env.get("AIRFLOW_HOME") or ROOT / ".airflow")
    state = Path(env.get("AUTOMATIONS_STATE_DIR") or ROOT / ".state")
    port = env.get("AIRFLOW_PORT", "8080")
    # Task processes reach the API server here; its default assumes port 8080, so any other port broke every task.
    env.setdefault("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", f"http://127.0.0.1:{port}/execution/")
    env.setdefault("AIRFLOW__API__BASE_URL", f"http://127.0.0.1:{port}")
    env.update(
        AIRFLOW_HOME=str(home),
        AUTOMATIONS_STATE_DIR=str(state),
        AUTOMATIONS_DIR=env.get("AUTOMATIONS_DIR") or str(ROOT / "include" / "automations"),
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags"),
        AIRFLOW__CORE__PLUGINS_FOLDER=str(ROOT / "plugins"),
        AIRFLOW__API__PORT=port,
        PYTHONPATH=str(ROOT / "plugins"),
        # standalone starts its components as `airflow ...` found on PATH
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def port_taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def health(url: str) -> dict[str, str]:
    """Each component's status from /api/v2/monitor/health ({} while the API server is not answering)."""
    try:
        with urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=5) as resp:
            body = json.loads(resp.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        return {}
    return {name: (part or {}).get("status") or "unknown" for name, part in body.items()}


def password(home: Path) -> str | None:
    generated = home / "simple_auth_manager_passwords.json.generated"
    try:
        return json.loads(generated.read_text()).get(USER)
    except (OSError, ValueError):
        return None


def publish_demo_repo(state: Path) -> None:
    """The example automation clones this repository: publish it so its runs work from the UI too."""
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "publish_demo_repo.py"), str(state / "demo" / "models.git")],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def start(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("a") as out:
        return subprocess.Popen(
            [str(VENV_BIN / "airflow"), "standalone"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            # a child of a non-interactive parent may inherit SIGINT ignored; standalone stops on SIGINT
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def wait_ready(proc: subprocess.Popen, url: str, home: Path, log: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"airflow standalone exited with {proc.returncode}; last lines of {log}:\n{tail(log)}")
        states = health(url)
        secret = password(home)
        if states and secret and all(s == "healthy" for s in states.values()):
            return secret
        time.sleep(1)
    raise SystemExit(f"Airflow was not healthy within {START_TIMEOUT_S:.0f}s; last lines of {log}:\n{tail(log)}")


def stop(proc: subprocess.Popen) -> list[int]:
    """Stop standalone and its whole tree; returns the pids that had to be killed.

    standalone answers SIGINT by SIGTERMing its components and waiting for them; under load a scheduler still
    draining its executor can take longer than a user waits, so the tree gets SIGTERM, then SIGKILL.
    """
    tree = [psutil.Process(proc.pid), *_children(proc.pid)] if proc.poll() is None else _children(proc.pid)
    if proc.poll() is None:
        # to standalone alone: a group-wide SIGINT also hits the executor's workers mid-shutdown
        os.kill(proc.pid, signal.SIGINT)
    _, alive = psutil.wait_procs(tree, timeout=STOP_GRACE_S)
    for child in alive:
        _signal(child, signal.SIGTERM)
    _, alive = psutil.wait_procs(alive, timeout=STOP_GRACE_S)
    for child in alive:
        _signal(child, signal.SIGKILL)
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # anything else still in standalone's process group
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
    return [child.pid for child in alive]


def _signal(process: psutil.Process, sig: int) -> None:
    try:
        process.send_signal(sig)
    except psutil.NoSuchProcess:
        pass


def _children(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def serving() -> dict[tuple[str, str], int]:
    """Live local model servers: (automation, variation) -> pid."""
    from automations.gateway import registry
    from automations.settings import get_settings

    found = registry.all_deployments(get_settings().deployments_dir)
    return {(d.automation, d.variation): d.pid for d in found if d.alive()}


def gateway_pid() -> int | None:
    from automations.gateway import control
    from automations.settings import get_settings

    return control.running_pid(get_settings().deployments_dir)


def stop_new_servers(before: dict[tuple[str, str], int], gateway_before: int | None) -> None:
    """Model servers, and the local gateway in front of them, that runs started while Airflow ran."""
    from automations.backends.local.deploy import undeploy
    from automations.gateway import control
    from automations.settings import get_settings

    for (automation, variation), pid in serving().items():
        if before.get((automation, variation)) != pid:
            undeploy(get_settings().local, automation, variation)
            print(f"stopped the model server of {automation}/{variation} (pid {pid}), deployed while Airflow ran")
    gateway = gateway_pid()
    if gateway is not None and gateway != gateway_before:
        control.stop(get_settings().deployments_dir)
        print(f"stopped the local gateway (pid {gateway}), started while Airflow ran")


def banner(url: str, secret: str, home: Path, log: Path, seconds: float) -> str:
    return (
        f"\nAirflow is up after {seconds:.0f}s: {url}\n"
        f"  login:    {USER} / {secret}\n"
        f"  home:     {home}   (re-runs reuse it: runs, toggles and this login survive)\n"
        f"  log:      {log}\n"
        f"  backend:  {os.environ['AUTOMATIONS_BACKEND']}, definitions in {os.environ['AUTOMATIONS_DIR']}\n"
        "Press Ctrl-C to stop every process started here.\n"
    )


def main() -> int:
    env = environment()
    os.environ.update(env)  # the deployment registry reads the same settings
    home, port = Path(env["AIRFLOW_HOME"]), int(env["AIRFLOW__API__PORT"])
    url = f"http://127.0.0.1:{port}"
    if port_taken(port):
        print(f"port {port} is already in use (another Airflow?); stop it or run: make airflow AIRFLOW_PORT=8081")
        return 1
    home.mkdir(parents=True, exist_ok=True)
    publish_demo_repo(Path(env["AUTOMATIONS_STATE_DIR"]))
    log = home / "standalone.log"
    before, gateway_before, started = serving(), gateway_pid(), time.monotonic()
    # Ctrl-C, a closed terminal and `kill` all lead to the same clean stop below.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_interrupt)
    print(f"Starting Airflow (standalone, parallelism {env['AIRFLOW__CORE__PARALLELISM']}) on {url} ...", flush=True)
    proc = start(env, log)
    try:
        secret = wait_ready(proc, url, home, log)
        print(banner(url, secret, home, log, time.monotonic() - started), flush=True)
        code = proc.wait()
        print(f"airflow standalone exited with {code}; last lines of {log}:\n{tail(log)}")
        return code or 1
    except KeyboardInterrupt:
        print("\nstopping Airflow ...", flush=True)
        return 0
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        stopping = time.monotonic()
        killed = stop(proc)
        stop_new_servers(before, gateway_before)
        killed_note = f", killed {len(killed)} stragglers" if killed else ""
        print(f"stopped in {time.monotonic() - stopping:.0f}s{killed_note}; nothing is left running.")


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
