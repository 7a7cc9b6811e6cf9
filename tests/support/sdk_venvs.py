"""Real PyPI packages nobody here wrote (qwak-core, frogml, qwak-inference), each in a throwaway venv cached under
.cache/sdk-venvs/ (they pin conflicting protobuf versions, so one venv each).

Built once with uv (in parallel; seconds from uv's cache, where pip took about 50 s a venv) and reused by later
sessions. In CI (CI=true) a venv that cannot be built FAILS the tests; elsewhere it skips them with the reason.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENVS = ROOT / ".cache" / "sdk-venvs"
SDKS = {
    "qwak": "qwak-core==0.7.160 pandas==3.1.1",  # pandas: the @api adapters and run_local need it
    "frogml": "frogml==2.1.152 pandas==3.1.1",
    "qwak-inference": "qwak-inference==0.2.1 pandas==3.1.1",
}
BUILD_TIMEOUT = 1200


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"SDK venv unavailable in CI: {reason}", pytrace=False)
    pytest.skip(f"SDK venv unavailable: {reason}")


def _ready_marker(name: str) -> Path:
    return VENVS / name / ".ready"


def _uv() -> str:
    """uv next to this interpreter (requirements.txt pins it), else from PATH."""
    beside = Path(sys.executable).parent / "uv"
    return str(beside) if beside.is_file() else "uv"


def _start_build(name: str, requirement: str) -> subprocess.Popen:
    venv = VENVS / name
    uv = _uv()
    # --seed: pip and setuptools in the venv, as `python -m venv` leaves them; the same packages as pip resolves.
    script = (
        f"rm -rf {venv} && {uv} venv --quiet --seed --python {sys.executable} {venv} && "
        f"{uv} pip install --quiet --python {venv}/bin/python {requirement} && "
        f"echo {shlex.quote(requirement)} > {_ready_marker(name)}"
    )
    return subprocess.Popen(["bash", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def sdk_pythons(names: tuple[str, ...] = tuple(SDKS)) -> dict[str, Path]:
    """{name: the python of a venv holding SDKS[name]}, built where missing."""
    VENVS.mkdir(parents=True, exist_ok=True)
    wanted = {n: SDKS[n] for n in names if not _is_ready(n, SDKS[n])}
    builds = {name: _start_build(name, req) for name, req in wanted.items()}
    for name, proc in builds.items():
        try:
            output, _ = proc.communicate(timeout=BUILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            _unavailable(f"installing {SDKS[name]} took more than {BUILD_TIMEOUT} s")
        if proc.returncode != 0:
            _unavailable(f"installing {SDKS[name]} failed:\n{output[-3000:]}")
    return {name: VENVS / name / "bin" / "python" for name in names}


def _is_ready(name: str, requirement: str) -> bool:
    marker = _ready_marker(name)
    return marker.is_file() and marker.read_text().strip() == requirement
