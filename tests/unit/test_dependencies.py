"""The dependency list the clone step writes: which file, each format read with its library, nested files."""

from __future__ import annotations

import pytest

from automations.dependencies import (
    DependencyFileError,
    conda_translated,
    find_dependency_file,
    pyproject_translated,
    requirements_translated,
    resolve,
)
from model_runtime.contract import DependencyList

pytestmark = pytest.mark.unit


def requirements(translated) -> list[str]:
    return [t.requirement for t in translated if t.requirement]


def test_requirements_txt_is_found_first(tmp_path):
    (tmp_path / "main").mkdir()
    (tmp_path / "main" / "conda.yml").write_text("dependencies: []\n")
    (tmp_path / "main" / "requirements.txt").write_text("pandas\n")
    path = find_dependency_file(tmp_path, "main")
    assert path.name == "requirements.txt"
    assert resolve(tmp_path, "main") == DependencyList(("pandas",), (), "main/requirements.txt")


def test_explicit_dependency_file_relative_to_model_dir(tmp_path):
    (tmp_path / "deps.txt").write_text("x\n")
    assert find_dependency_file(tmp_path, "main", "deps.txt") == (tmp_path / "deps.txt").resolve()
    with pytest.raises(DependencyFileError, match="nope.txt"):
        find_dependency_file(tmp_path, "main", "nope.txt")


def test_explicit_dependency_file_outside_the_model_dir_is_refused(tmp_path):
    (tmp_path / "secret.txt").write_text("x\n")
    (tmp_path / "model").mkdir()
    with pytest.raises(DependencyFileError, match="outside the model directory"):
        resolve(tmp_path / "model", "main", "../secret.txt")


def test_no_dependency_file(tmp_path):
    assert find_dependency_file(tmp_path, "main") is None
    assert resolve(tmp_path, "main") == DependencyList()


def test_pep621_pyproject():
    text = '[project]\nname = "m"\ndependencies = ["scikit-learn==1.5", "pandas>=2"]\n'
    assert requirements(pyproject_translated(text)) == ["scikit-learn==1.5", "pandas>=2"]


def test_poetry_pyproject():
    text = (
        "[tool.poetry.dependencies]\n"
        'python = "^3.11"\nnumpy = "^1.26"\nrequests = "*"\nflask = "2.0.1"\nscipy = {version = ">=1.10"}\n'
    )
    assert requirements(pyproject_translated(text)) == ["numpy>=1.26,<2.0", "requests", "flask==2.0.1", "scipy>=1.10"]


CONDA = """name: env
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


def test_conda_file_keeps_pip_entries_and_translates_conda_ones():
    translated = conda_translated(CONDA)
    assert requirements(translated) == ["numpy==1.26.*", "scikit-learn>=1.3", "requests==2.31", "pandas", "scipy"]
    assert [t.warning.split(" ", 2)[:2] for t in translated if t.warning] == [["dropped", "the"]] + [
        ["dropped", "conda-only"]
    ] * 2


def test_conda_file_quoted_entries_flow_lists_and_unknown_nesting():
    text = "dependencies: ['numpy=1.2', \"pandas==2.0\", {pip: [requests]}, {conda: [x]}]\n"
    translated = conda_translated(text)
    assert requirements(translated) == ["numpy==1.2.*", "pandas==2.0", "requests"]
    assert "only a 'pip:' list may be nested" in translated[-1].warning


@pytest.mark.parametrize(
    "text,message",
    [
        ("dependencies: [numpy\n", "not valid YAML"),
        ("- numpy\n", "not a conda environment file"),
        ("dependencies: numpy\n", "'dependencies' is not a list"),
    ],
)
def test_a_conda_file_that_is_not_one_is_a_clear_error(text, message):
    with pytest.raises(DependencyFileError, match=message):
        conda_translated(text, "conda.yml")


def test_an_empty_conda_file_has_no_dependencies():
    assert conda_translated("") == [] and conda_translated("name: env\n") == []


def test_invalid_toml_is_a_clear_error():
    with pytest.raises(DependencyFileError, match="pyproject.toml is not valid TOML"):
        pyproject_translated("[tool.poetry\n")


def test_nested_requirement_files_are_relative_to_the_model_dir(tmp_path):
    (tmp_path / "main").mkdir()
    text = "-r base.txt\n-c ./c.txt\n--requirement=../shared.txt\nnumpy==1.26  # pin\nbad===\n"
    lines = requirements_translated(text, tmp_path / "main", tmp_path)
    assert [t.requirement for t in lines] == [
        "-r main/base.txt",
        "-c main/c.txt",
        "--requirement shared.txt",
        "numpy==1.26",
        "bad",
    ]
    assert "not valid pip syntax" in lines[4].warning


def test_the_fixture_repo_gets_every_warning_issue_9_names():
    from pathlib import Path

    model = Path(__file__).resolve().parents[1] / "fixtures" / "models" / "qwak_conda_churn"
    listed = resolve(model, "main")
    assert listed.dependency_file == "main/conda.yml"
    assert listed.requirements[:3] == ("scikit-learn==1.9.*", "numpy", "pandas>=2.0")
    assert any(w.startswith("dropped the python pin 'python=3.9'") for w in listed.warnings)
    assert "relaxed 'numpy=>1.20' to 'numpy': the pin cannot be written for pip" in listed.warnings
    assert any(w.startswith("added qwak-core==0.7.160: ") for w in listed.warnings)  # main/ imports qwak


def test_a_library_the_model_imports_is_added_with_a_warning(tmp_path):
    (tmp_path / "main").mkdir()
    (tmp_path / "main" / "model.py").write_text("import frogml\n")
    listed = resolve(tmp_path, "main")
    assert listed.requirements == ("frogml==2.1.152",)
    assert listed.warnings[0].startswith("added frogml==2.1.152: main/model.py imports frogml")


def test_the_list_round_trips_through_its_file(tmp_path):
    listed = DependencyList(("a==1", "-r main/b.txt"), ("relaxed x",), "main/requirements.txt")
    listed.write(tmp_path / "list.json")
    assert DependencyList.read(tmp_path / "list.json") == listed
