"""A model that writes where only root may (as its base image let it on Qwak) fails with what to change, not a bare
PermissionError: the build really runs as a non-root UID, as on Kubernetes."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from model_runtime import contract, permissions

pytestmark = pytest.mark.unit
PLUGINS = Path(__file__).resolve().parents[3] / "plugins"
NOBODY = 65534
# The venv's interpreter lives under /root (0700): UID 65534 runs Debian's, which the runtime needs nothing beyond.
SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.fixture
def world_readable_dir():
    # pytest's tmp_path is 0700: another UID could not even read the model in it.
    folder = Path(tempfile.mkdtemp(prefix="perm-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_build_writing_into_a_root_owned_folder_says_the_image_needs_root(world_readable_dir):
    locked = world_readable_dir / "opt-model"
    locked.mkdir(mode=0o555)
    source = world_readable_dir / "model"
    (source / "main").mkdir(parents=True)
    (source / "main" / "__init__.py").write_text("")
    (source / "main" / "model.py").write_text(
        "class M:\n    def build(self):\n"
        f"        open({str(locked / 'weights.bin')!r}, 'wb').write(b'x')\n"
        "    def predict(self, df):\n        return df\n"
    )
    # A checkout can sit in a 0700 folder (mktemp -d): give the other UID its own copy of the runtime.
    runtime = world_readable_dir / "runtime"
    shutil.copytree(PLUGINS / contract.MODULE, runtime / contract.MODULE)
    output = world_readable_dir / "out"
    output.mkdir()
    as_nobody = os.geteuid() == 0
    if as_nobody:
        os.chown(output, NOBODY, NOBODY)
    done = subprocess.run(
        [
            SYSTEM_PYTHON if as_nobody else sys.executable,
            "-m",
            contract.MODULE,
            "build",
            "--source",
            str(source),
            "--main-dir",
            "main",
            "--output",
            str(output / "artifact"),
        ],
        env={**os.environ, "PYTHONPATH": str(runtime), "HOME": str(output)},
        cwd=world_readable_dir,
        user=NOBODY if as_nobody else None,
        group=NOBODY if as_nobody else None,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == contract.EXIT_BUILD_FAILED, done.stdout + done.stderr
    assert "PermissionError" in done.stderr  # the traceback stays
    assert f"permission denied on {locked / 'weights.bin'}: this runs as UID" in done.stdout
    assert "the base image needs root to write there" in done.stdout and f"({output})" in done.stdout


def test_only_permission_errors_of_a_non_root_process_get_the_hint(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 10001)
    wrapped = RuntimeError("could not save")
    wrapped.__cause__ = PermissionError(errno.EACCES, "Permission denied", "/opt/x")
    assert "on /opt/x" in (permissions.explain(wrapped) or "")
    assert permissions.explain(FileNotFoundError(errno.ENOENT, "No such file", "/opt/x")) is None
    assert permissions.explain(ValueError("nope")) is None
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert permissions.explain(PermissionError(errno.EACCES, "Permission denied", "/opt/x")) is None
