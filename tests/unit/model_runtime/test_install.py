import json
import sys

import pytest

from model_runtime import contract
from model_runtime.install import (
    ALWAYS,
    conda_requirements,
    find_dependency_file,
    install_command,
    pyproject_requirements,
    requirement_args,
    requirements_translated,
    run,
)

pytestmark = pytest.mark.unit


def test_requirements_txt_is_found_first(tmp_path):
    (tmp_path / "main").mkdir()
    (tmp_path / "main" / "conda.yml").write_text("dependencies: []\n")
    (tmp_path / "main" / "requirements.txt").write_text("pandas\n")
    path = find_dependency_file(tmp_path, "main")
    assert path.name == "requirements.txt"
    assert requirement_args(path) == ["pandas"]


def test_explicit_dependency_file_relative_to_model_dir(tmp_path):
    (tmp_path / "deps.txt").write_text("x\n")
    assert find_dependency_file(tmp_path, "main", "deps.txt") == (tmp_path / "deps.txt").resolve()
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        find_dependency_file(tmp_path, "main", "nope.txt")


def test_no_dependency_file(tmp_path):
    assert find_dependency_file(tmp_path, "main") is None
    assert requirement_args(None) == []


def test_pep621_pyproject():
    text = '[project]\nname = "m"\ndependencies = ["scikit-learn==1.5", "pandas>=2"]\n'
    assert pyproject_requirements(text) == ["scikit-learn==1.5", "pandas>=2"]


def test_poetry_pyproject():
    text = (
        "[tool.poetry.dependencies]\n"
        'python = "^3.11"\nnumpy = "^1.26"\nrequests = "*"\nflask = "2.0.1"\nscipy = {version = ">=1.10"}\n'
    )
    assert pyproject_requirements(text) == ["numpy>=1.26,<2.0", "requests", "flask==2.0.1", "scipy>=1.10"]


def test_conda_file_keeps_pip_entries_and_translates_conda_ones():
    text = """name: env
channels:
  - conda-forge
dependencies:
  - python=3.11
  - conda-forge::numpy=1.26
  - scikit-learn>=1.3
  - _libgcc_mutex
  - pip
  - pip:
      - requests==2.31
      - pandas  # comment
  - scipy
"""
    assert conda_requirements(text) == ["numpy==1.26.*", "scikit-learn>=1.3", "requests==2.31", "pandas", "scipy"]


def test_uv_is_used_when_named(monkeypatch):
    monkeypatch.setenv(contract.ENV_UV, "/opt/uv")
    assert install_command(["pandas"]) == ["/opt/uv", "pip", "install", "--python", sys.executable, "pandas"]


def test_pip_when_no_uv(monkeypatch):
    monkeypatch.delenv(contract.ENV_UV, raising=False)
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert install_command(["x"])[:3] == [sys.executable, "-m", "pip"]


def test_missing_explicit_file_is_an_install_failure(tmp_path, capsys):
    assert run(tmp_path, "main", "missing.txt") == contract.EXIT_INSTALL_FAILED
    assert "missing.txt" in capsys.readouterr().out


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
    (tmp_path / "model" / "main").mkdir(parents=True)
    (tmp_path / "model" / "main" / name).write_text(text)
    return tmp_path / "model"


def test_a_pin_without_a_build_for_our_python_is_relaxed_and_retried(tmp_path, fake_installer, capsys):
    source = _model(tmp_path, "conda.yml", "dependencies:\n  - python=3.9\n  - numpy=1.19\n  - scipy>=1.0\n")
    assert run(source, "main", None) == contract.EXIT_OK
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
    assert run(source, "main", None) == contract.EXIT_INSTALL_FAILED
    assert len(fake_installer()) == 1
    assert "could not reach the package index" in capsys.readouterr().out


def test_a_failure_no_pin_explains_fails_the_install(tmp_path, fake_installer):
    source = _model(tmp_path, "requirements.txt", "broken\n")
    assert run(source, "main", None) == contract.EXIT_INSTALL_FAILED
    assert len(fake_installer()) == 1


def test_no_dependency_file_still_installs_pytest_and_pandas(tmp_path, fake_installer):
    assert run(tmp_path, "main", None) == contract.EXIT_OK
    assert fake_installer() == [list(ALWAYS)]  # pytest, pandas and the pinned model server


def test_nested_requirement_files_are_made_absolute(tmp_path):
    (tmp_path / "base.txt").write_text("x\n")
    lines = requirements_translated("-r base.txt\n-c ./c.txt\nnumpy==1.26  # pin\nbad===\n", tmp_path)
    assert [t.requirement for t in lines] == [
        f"-r {tmp_path / 'base.txt'}",
        f"-c {tmp_path / 'c.txt'}",
        "numpy==1.26",
        "bad",
    ]
    assert "not valid pip syntax" in lines[3].warning

