"""The isolated environment of one build: a virtualenv plus a private copy of ``model_runtime``.

The model never sees Airflow's packages: its venv is fresh, and PYTHONPATH exposes only the runtime copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ... import runtime_package

RUNTIME_PACKAGE = "model_runtime"
_PYTHON_PATHS = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
# Airflow's own configuration and connections (AIRFLOW__DATABASE__SQL_ALCHEMY_CONN, AIRFLOW_CONN_*, fernet key...)
# carry secrets; the model's code runs with the environment we hand it, so it never gets them.
_PRIVATE_PREFIXES = ("AIRFLOW", "_AIRFLOW", "AUTOMATIONS_")


def child_env(base: Mapping[str, str]) -> dict[str, str]:
    """``base`` without Python-path leaks and without Airflow's secrets: the base of every model process."""
    return {k: v for k, v in base.items() if k not in _PYTHON_PATHS and not k.startswith(_PRIVATE_PREFIXES)}


@dataclass(frozen=True)
class BuildEnv:
    root: Path  # envs_dir/<build_id>
    python: Path  # the venv's interpreter
    runtime_path: Path  # the directory put on PYTHONPATH (holds only model_runtime/)

    def process_env(self, extra: dict[str, str]) -> dict[str, str]:
        """Environment for runtime processes: ours minus Python paths and Airflow's secrets, plus ``extra``."""
        env = child_env(os.environ)
        # Bytecode caching is what makes a fresh venv's second import of pandas/sklearn fast; the worker's own
        # environment may disable it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(extra)
        env["PYTHONPATH"] = str(self.runtime_path)
        env["VIRTUAL_ENV"] = str(self.root / "venv")
        return env


def find_uv() -> Optional[str]:
    """uv from PATH or next to this interpreter (the project's .venv ships it)."""
    beside = Path(sys.executable).parent / "uv"
    return shutil.which("uv") or (str(beside) if beside.is_file() else None)


def base_python() -> str:
    """The interpreter new venvs are made from: the one running Airflow (Python 3.11 in this project)."""
    return sys.executable


def venv_command(target: Path, uv: Optional[str]) -> list[str]:
    if uv:
        return [uv, "venv", "--quiet", "--python", base_python(), str(target)]
    return [base_python(), "-m", "venv", str(target)]


def copy_runtime(target: Path) -> Path:
    """A fresh copy of model_runtime (runtime_package) in ``target/model_runtime``; returns ``target`` (the
    PYTHONPATH entry)."""
    destination = target / RUNTIME_PACKAGE
    if destination.exists():
        shutil.rmtree(destination)
    runtime_package.copy_to(target)
    return target


def create(root: Path, uv: Optional[str] = None) -> BuildEnv:
    """Create (or recreate) the build's venv under ``root`` and copy the runtime next to it."""
    uv = uv if uv is not None else find_uv()
    venv = root / "venv"
    if venv.exists():
        shutil.rmtree(venv)  # a retried task starts clean: half-installed environments lie
    root.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["UV_PYTHON_DOWNLOADS"] = "never"  # use the interpreter we name; never fetch one from the internet
    done = subprocess.run(venv_command(venv, uv), env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"creating the build venv {venv} failed: {(done.stderr or done.stdout).strip()[-2000:]}")
    return BuildEnv(root=root, python=venv / "bin" / "python", runtime_path=copy_runtime(root / "runtime"))
