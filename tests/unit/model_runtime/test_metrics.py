import types

import numpy as np
import pytest

from model_runtime.metrics import as_number, collect, library_metrics

pytestmark = pytest.mark.unit


def fake_store_modules(qwak=None, frogml=None):
    """sys.modules-like dict holding stand-ins with the real libraries' class names and methods."""
    modules = {}
    if qwak is not None:
        tracking = type("QwakExperimentTracking", (), {"get_metrics": lambda self: qwak})
        modules["qwak.model.experiment_tracking"] = types.SimpleNamespace(QwakExperimentTracking=tracking)
    if frogml is not None:
        tracking = type("FrogmlModelVersionTracking", (), {"get_metrics": lambda self: frogml})
        modules["frogml.sdk.model.model_version_tracking"] = types.SimpleNamespace(FrogmlModelVersionTracking=tracking)
    return modules


def test_returned_dict_alone():
    assert collect({"f1_score": 0.8, "n": 3}, modules={}) == {"f1_score": 0.8, "n": 3.0}


def test_library_stores_merge_and_returned_dict_wins():
    modules = fake_store_modules(qwak={"f1_score": 0.5, "auc": "0.7"}, frogml={"recall": 0.6})
    assert collect({"f1_score": 0.9}, modules=modules) == {"f1_score": 0.9, "auc": 0.7, "recall": 0.6}


def test_non_numeric_values_are_dropped_with_a_warning(capsys):
    metrics = collect({"ok": 1, "name": "resnet", "flag": True, "bad": float("nan"), "none": None}, modules={})
    assert metrics == {"ok": 1.0}
    out = capsys.readouterr().out
    assert "'name'" in out and "'flag'" in out and "'bad'" in out and "'none'" in out


def test_numpy_scalars_become_floats():
    assert as_number(np.float32(0.25)) == 0.25
    assert as_number(np.int64(7)) == 7.0
    assert as_number(np.array([1, 2])) is None


def test_build_returning_a_non_dict_is_ignored(capsys):
    assert collect([1, 2], modules={}) == {}
    assert "not a dict" in capsys.readouterr().out


def test_unloaded_libraries_are_not_read():
    assert library_metrics(modules={}) == {}


def test_a_broken_store_does_not_hide_the_others(capsys):
    broken = types.SimpleNamespace(QwakExperimentTracking=None)  # calling None raises
    modules = {"qwak.model.experiment_tracking": broken, **fake_store_modules(frogml={"recall": 0.4})}
    assert library_metrics(modules) == {"recall": 0.4}
    assert "could not read metrics" in capsys.readouterr().out
