import sys

import pytest

from model_runtime import contract
from model_runtime.install import (
    conda_requirements,
    find_dependency_file,
    install_command,
    pyproject_requirements,
    requirement_args,
    run,
)

pytestmark = pytest.mark.unit


def test_requirements_txt_is_found_first(tmp_path):
    (tmp_path / "main").mkdir()
    (tmp_path / "main" / "conda.yml").write_text("dependencies: []\n")
    (tmp_path / "main" / "requirements.txt").write_text("pandas\n")
    path = find_dependency_file(tmp_path, "main")
    assert path.name == "requirements.txt"
    assert requirement_args(path) == ["-r", str(path)]


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
    assert pyproject_requirements(text) == ["numpy>=1.26", "requests", "flask==2.0.1", "scipy>=1.10"]


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


def test_installer_failure_maps_to_the_install_exit_code(tmp_path, monkeypatch):
    monkeypatch.setattr("subprocess.call", lambda cmd: 1)
    assert run(tmp_path, "main", None) == contract.EXIT_INSTALL_FAILED
    calls = []
    monkeypatch.setattr("subprocess.call", lambda cmd: calls.append(cmd) or 0)
    assert run(tmp_path, "main", None) == contract.EXIT_OK
    assert calls[0][-2:] == ["pytest", "pandas"]
