import types

import pytest

from model_runtime.libraries import enter_local_mode, implied_requirements, importers
from model_runtime.metrics import collect_params

pytestmark = pytest.mark.unit


def model_dir(tmp_path, files):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_a_qwak_import_not_in_the_dependency_file_adds_qwak_core(tmp_path):
    source = model_dir(tmp_path, {"main/model.py": "import pandas\nfrom qwak.model.base import QwakModel\n"})
    [(requirement, why)] = implied_requirements(source, ["pandas==2.2.3"])
    assert requirement == "qwak-core==0.7.160"
    assert "main/model.py imports qwak" in why


def test_a_frogml_import_in_a_helper_adds_frogml(tmp_path):
    source = model_dir(tmp_path, {"main/helpers/x.py": "import frogml\n", "main/model.py": "x = 1\n"})
    assert [r for r, _ in implied_requirements(source, [])] == ["frogml==2.1.152"]


def test_a_named_library_is_not_added_again(tmp_path):
    source = model_dir(tmp_path, {"main/model.py": "import qwak\n"})
    assert implied_requirements(source, ["qwak_core>=0.5"]) == []
    assert implied_requirements(source, ["qwak-sdk"]) == []


def test_models_that_do_not_import_them_get_neither(tmp_path):
    text = "import qwak_inference\n# import qwak\ns = 'from frogml import api'\nimport qwakish\n"
    source = model_dir(tmp_path, {"main/model.py": text, ".venv/lib/x.py": "import qwak\n"})
    assert implied_requirements(source, []) == []
    assert importers(source, "qwak") == []


def test_local_mode_sets_both_switches_and_keeps_an_explicit_value():
    env = {"FROGML_IS_RUN_LOCAL": "1"}
    enter_local_mode(env)
    assert env == {"FROGML_IS_RUN_LOCAL": "1", "QWAK_IS_RUN_LOCAL": "true"}


def tracking(name, params):
    cls = type(name, (), {"get_params": lambda self: params, "get_metrics": lambda self: {}})
    return types.SimpleNamespace(**{name: cls})


def test_params_are_the_build_parameters_then_the_logged_ones():
    modules = {
        "qwak.model.experiment_tracking": tracking("QwakExperimentTracking", {"depth": 3, "lr": "0.1"}),
        "frogml.sdk.model.model_version_tracking": tracking("FrogmlModelVersionTracking", {"seed": 7}),
    }
    params = collect_params({"lr": "0.5", "epochs": 10}, modules)
    assert params == {"lr": "0.1", "epochs": 10, "depth": 3, "seed": 7}


def test_params_keep_json_scalars_and_stringify_the_rest():
    import numpy as np

    params = collect_params({"a": np.int64(4), "b": [1, 2], "c": float("nan"), "d": None}, {})
    assert params == {"a": 4, "b": "[1, 2]", "c": "nan", "d": None}
