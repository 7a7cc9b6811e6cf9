import sys
import textwrap
import uuid

import pytest

from model_runtime.discovery import ModelNotFound, load_model, wire_model_libraries

pytestmark = pytest.mark.unit


@pytest.fixture
def model_dir(tmp_path):
    """Write a model package under a unique name (so tests never share sys.modules), clean up after."""
    name = f"main_{uuid.uuid4().hex[:8]}"
    before = set(sys.modules)

    def write(files: dict[str, str]) -> str:
        for rel, text in files.items():
            path = tmp_path / name / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return name

    yield tmp_path, write
    for module in set(sys.modules) - before:
        if module.startswith(name):
            del sys.modules[module]
    if str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))


MODEL = textwrap.dedent("""
    class Model:
        def build(self):
            return {"f1": 1.0}

        def predict(self, df):
            return df
""")


def test_the_one_class_with_build_and_predict(model_dir):
    root, write = model_dir
    name = write({"__init__.py": "", "model.py": MODEL + "\nclass Helper:\n    def build(self): ...\n"})
    assert type(load_model(root, name)).__name__ == "Model"


def test_load_model_function_wins(model_dir):
    root, write = model_dir
    init = "from .model import Model\n\ndef load_model():\n    m = Model()\n    m.tag = 'factory'\n    return m\n"
    name = write({"__init__.py": init, "model.py": MODEL})
    assert load_model(root, name).tag == "factory"


def test_imported_classes_do_not_count_twice(model_dir):
    root, write = model_dir
    name = write({"__init__.py": "from .model import Model\n", "model.py": MODEL})
    assert type(load_model(root, name)).__name__ == "Model"


def test_the_most_derived_class_is_picked(model_dir):
    root, write = model_dir
    derived = "from .base import Model\n\nclass Mine(Model):\n    pass\n"
    name = write({"__init__.py": "", "base.py": MODEL, "model.py": derived})
    assert type(load_model(root, name)).__name__ == "Mine"


def test_two_unrelated_models_need_load_model(model_dir):
    root, write = model_dir
    name = write({"__init__.py": "", "a.py": MODEL, "b.py": MODEL})
    with pytest.raises(ModelNotFound, match="define load_model"):
        load_model(root, name)


def test_no_model_class(model_dir):
    root, write = model_dir
    name = write({"__init__.py": "", "model.py": "class Nothing:\n    pass\n"})
    with pytest.raises(ModelNotFound, match="no class with build"):
        load_model(root, name)


def test_a_stray_namespace_dir_named_qwak_is_not_wired(tmp_path, monkeypatch):
    (tmp_path / "qwak").mkdir()  # a namespace package, not the library
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "qwak" not in wire_model_libraries()
