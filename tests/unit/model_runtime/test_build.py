import json
import pickle
import sys
import uuid
from pathlib import Path

import pytest

from model_runtime import contract
from model_runtime.build import apply_parameters, has_pytest_config, junit_counts, pytest_command, run

pytestmark = pytest.mark.unit
PLUGINS = Path(__file__).resolve().parents[3] / "plugins"


def test_parameters_become_env_vars_unless_already_set():
    environ = {contract.ENV_PARAMETERS: json.dumps({"lr": "0.1", "epochs": 3, "bad-name": "x", "KEEP": "new"})}
    environ["KEEP"] = "explicit"
    params = apply_parameters(environ)
    assert params["epochs"] == 3
    assert environ["lr"] == "0.1" and environ["epochs"] == "3" and environ["KEEP"] == "explicit"
    assert "bad-name" not in environ


def test_parameters_must_be_an_object():
    with pytest.raises(ValueError, match="JSON object"):
        apply_parameters({contract.ENV_PARAMETERS: "[1]"})
    assert apply_parameters({}) == {}


def test_junit_counts(tmp_path):
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites><testsuite tests="5" failures="1" errors="1" skipped="1"/>'
        '<testsuite tests="2" failures="0" errors="0" skipped="0"/></testsuites>'
    )
    assert junit_counts(report) == {"passed": 4, "failed": 2, "skipped": 1}


def test_pytest_config_of_the_model_is_respected(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    assert "-c" in pytest_command(tmp_path, work)  # no config: an empty one, so the enclosing repo's is not used
    (tmp_path / "pyproject.toml").write_text("[tool.black]\n")
    assert not has_pytest_config(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\naddopts = '-x'\n")
    assert has_pytest_config(tmp_path)
    assert "-c" not in pytest_command(tmp_path, work)


@pytest.fixture
def model_source(tmp_path, monkeypatch):
    """A model directory with a unique package name; the runtime's test child needs model_runtime importable."""
    monkeypatch.setenv("PYTHONPATH", str(PLUGINS))
    monkeypatch.delenv(contract.ENV_PARAMETERS, raising=False)
    name = f"main_{uuid.uuid4().hex[:8]}"
    source = tmp_path / "model"
    (source / name).mkdir(parents=True)
    (source / name / "__init__.py").write_text("")
    (source / name / "model.py").write_text(
        "import os\n\nclass M:\n    def build(self):\n        self.p = os.environ.get('alpha')\n"
        "        return {'f1_score': 0.75, 'label': 'x'}\n\n    def predict(self, df):\n        return [self.p]\n"
    )
    (source / "tests").mkdir()
    yield source, name
    for module in [m for m in sys.modules if m.startswith(name)]:
        del sys.modules[module]
    if str(source) in sys.path:
        sys.path.remove(str(source))


def test_build_writes_result_artifact_and_source(model_source, tmp_path, monkeypatch):
    source, name = model_source
    (source / "tests" / "test_ok.py").write_text(f"from {name}.model import M\n\ndef test_ok():\n    assert M\n")
    monkeypatch.setenv(contract.ENV_PARAMETERS, json.dumps({"alpha": "a1"}))
    monkeypatch.delenv("alpha", raising=False)  # run() exports the parameter into os.environ: undone after the test
    out, xcom = tmp_path / "out", tmp_path / "xcom" / "return.json"
    assert run(source, name, out, str(xcom)) == contract.EXIT_OK
    result = contract.BuildResult.read(out / contract.RESULT_FILE)
    assert result.metrics == {"f1_score": 0.75}
    assert result.tests == {"passed": 1, "failed": 0, "skipped": 0}
    assert json.loads(xcom.read_text())["metrics"] == {"f1_score": 0.75}
    assert (out / contract.SOURCE_DIR / name / "model.py").is_file()
    assert not list((out / contract.SOURCE_DIR).rglob("__pycache__"))
    assert pickle.loads((out / contract.ARTIFACT_FILE).read_bytes()).p == "a1"


def test_failing_test_has_its_own_exit_code_and_output(model_source, tmp_path, capfd):
    source, _ = model_source
    (source / "tests" / "test_bad.py").write_text("def test_bad():\n    assert 1 == 2, 'deliberate'\n")
    assert run(source, "unused", tmp_path / "out", None) == contract.EXIT_TESTS_FAILED
    assert "deliberate" in capfd.readouterr().out
    assert not (tmp_path / "out").exists()


def test_a_raising_build_is_a_build_failure(model_source, tmp_path, capfd):
    source, name = model_source
    (source / name / "model.py").write_text(
        "class M:\n    def build(self):\n        raise RuntimeError('boom')\n\n"
        "    def predict(self, df):\n        return df\n"
    )
    assert run(source, name, tmp_path / "out", None) == contract.EXIT_BUILD_FAILED
    assert "RuntimeError: boom" in capfd.readouterr().err


def test_empty_tests_dir_is_not_a_failure(model_source, tmp_path):
    source, name = model_source
    assert run(source, name, tmp_path / "out", None) == contract.EXIT_OK


def test_tests_find_the_runtime_plugin_without_pythonpath(model_source, tmp_path, monkeypatch):
    # As in a container where the runtime is started from its own directory: nothing on PYTHONPATH.
    source, name = model_source
    monkeypatch.delenv("PYTHONPATH")
    (source / "tests" / "test_ok.py").write_text(f"from {name}.model import M\n\ndef test_ok():\n    assert M\n")
    assert run(source, name, tmp_path / "out", None) == contract.EXIT_OK
