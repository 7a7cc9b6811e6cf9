import json
import sys

import pytest

from automations.steps.clone import write_dependency_list
from model_runtime import contract
from model_runtime.install import ALWAYS, install_command, located, run

pytestmark = pytest.mark.unit


def test_uv_is_used_when_named(monkeypatch):
    monkeypatch.setenv(contract.ENV_UV, "/opt/uv")
    assert install_command(["pandas"]) == ["/opt/uv", "pip", "install", "--python", sys.executable, "pandas"]


def test_pip_when_no_uv(monkeypatch):
    monkeypatch.delenv(contract.ENV_UV, raising=False)
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert install_command(["x"])[:3] == [sys.executable, "-m", "pip"]


def test_a_model_dir_without_a_dependency_list_is_an_install_failure(tmp_path, capsys):
    assert run(tmp_path) == contract.EXIT_INSTALL_FAILED
    out = capsys.readouterr().out
    assert contract.DEPENDENCIES_FILE in out and "clone step writes it" in out


def test_a_list_that_is_not_json_is_an_install_failure(tmp_path, capsys):
    (tmp_path / contract.DEPENDENCIES_FILE).write_text("numpy\n")
    assert run(tmp_path) == contract.EXIT_INSTALL_FAILED
    assert "is not a dependency list" in capsys.readouterr().out


FAKE_INSTALLER = """#!/bin/sh
# uv's command line: pip install --python PY -r FILE. Records the file; fails the way the real tools do.
file="$6"; cat "$file" >> "$LOG"; echo ---- >> "$LOG"
if grep -q "numpy==1.19" "$file"; then
  echo "ERROR: Could not find a version that satisfies the requirement numpy==1.19.* (from versions: 1.26.4)"
  echo "ERROR: No matching distribution found for numpy==1.19.*"; exit 1
fi
if grep -q "offline" "$file"; then echo "WARNING: Retrying ... Failed to establish a new connection"; exit 1; fi
if grep -q "broken" "$file"; then echo "ERROR: something else"; exit 1; fi
exit 0
"""


@pytest.fixture
def fake_installer(tmp_path, monkeypatch):
    script = tmp_path / "fake-uv"
    script.write_text(FAKE_INSTALLER)
    script.chmod(0o755)
    log = tmp_path / "installs.log"
    monkeypatch.setenv(contract.ENV_UV, str(script))
    monkeypatch.setenv("LOG", str(log))
    return lambda: [block.split() for block in log.read_text().split("----")[:-1]]


def _model(tmp_path, name, text):
    """A model directory as the clone step leaves it: its dependency file translated into the list."""
    (tmp_path / "model" / "main").mkdir(parents=True)
    (tmp_path / "model" / "main" / name).write_text(text)
    write_dependency_list(tmp_path / "model", "main", None, "m")
    return tmp_path / "model"


def test_a_pin_without_a_build_for_our_python_is_relaxed_and_retried(tmp_path, fake_installer, capsys):
    source = _model(tmp_path, "conda.yml", "dependencies:\n  - python=3.9\n  - numpy=1.19\n  - scipy>=1.0\n")
    assert run(source) == contract.EXIT_OK
    first, second = fake_installer()
    assert first == ["numpy==1.19.*", "scipy>=1.0", *ALWAYS]
    assert second == ["numpy", "scipy>=1.0", *ALWAYS]
    out = capsys.readouterr().out
    assert "WARNING: dropped the python pin 'python=3.9'" in out
    assert "WARNING: relaxed 'numpy==1.19.*' to 'numpy': no build of it for Python 3." in out
    report = json.loads((source / contract.INSTALL_REPORT_FILE).read_text())
    assert len(report["warnings"]) == 2 and report["dependency_file"].endswith("conda.yml")


def test_no_network_is_said_and_nothing_is_relaxed(tmp_path, fake_installer, capsys):
    source = _model(tmp_path, "requirements.txt", "offline==1.0\n")
    assert run(source) == contract.EXIT_INSTALL_FAILED
    assert len(fake_installer()) == 1
    assert "could not reach the package index" in capsys.readouterr().out


def test_a_failure_no_pin_explains_fails_the_install(tmp_path, fake_installer):
    source = _model(tmp_path, "requirements.txt", "broken\n")
    assert run(source) == contract.EXIT_INSTALL_FAILED
    assert len(fake_installer()) == 1


def test_no_dependency_file_still_installs_pytest_and_pandas(tmp_path, fake_installer):
    write_dependency_list(tmp_path, "main", None, "m")
    assert run(tmp_path) == contract.EXIT_OK
    assert fake_installer() == [list(ALWAYS)]  # pytest, pandas and the pinned model server


def test_nested_requirement_files_are_found_from_the_model_dir(tmp_path, fake_installer):
    source = _model(tmp_path, "requirements.txt", "-r base.txt\nnumpy==1.26\n")
    assert run(source) == contract.EXIT_OK
    assert fake_installer() == [["-r", str(source / "main" / "base.txt"), "numpy==1.26", *ALWAYS]]
    assert located("-c /abs/c.txt", source) == "-c /abs/c.txt" and located("x==1", source) == "x==1"
