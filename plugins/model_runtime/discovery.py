"""Find and instantiate the user's model: ``main/__init__.py: load_model()`` if defined, else the one class in
``main/`` with ``build()`` and ``predict()`` (Qwak's and JFrog ML's layout)."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from .libraries import LIBRARIES, patch_schemas

# Qwak's @qwak.api() / JFrog ML's @frogml.api() resolve through a dependency-injection container at class
# definition time; the libraries' own runtimes wire it first, so we do the same before importing the model.
_WIRING = (
    ("qwak", "qwak.inner.runtime_di", "wire_runtime"),
    ("frogml", "frogml.sdk.inner.runtime_di", "wire_runtime"),
)


class ModelNotFound(Exception):
    """main/ holds no usable model, or more than one candidate and no load_model()."""


def add_to_path(directory: Path) -> None:
    path = str(directory.resolve())
    if path not in sys.path:
        sys.path.insert(0, path)


def wire_model_libraries() -> list[str]:
    """Wire qwak / frogml runtimes when those libraries are installed; returns the ones wired."""
    wired = []
    for package, module, function in _WIRING:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:  # absent, or a stray namespace dir of that name: not the library
            continue
        try:
            getattr(importlib.import_module(module), function)()
            wired.append(package)
            for library in LIBRARIES:
                if library.module == package:
                    patch_schemas(library.schema_module)  # ModelSchema(...) must not call Qwak's servers
        except Exception as exc:  # a library version with another layout must not break plain models
            print(f"model_runtime: could not wire {package}'s runtime ({exc!r}); @api decorators may fail")
    return wired


def is_model_class(obj: Any, module_name: str) -> bool:
    """A class defined in ``module_name`` (not imported into it) with callable build and predict."""
    return (
        inspect.isclass(obj)
        and obj.__module__ == module_name
        and callable(getattr(obj, "build", None))
        and callable(getattr(obj, "predict", None))
    )


def main_modules(main_dir: str) -> list[ModuleType]:
    """The main package and every module directly inside it, imported."""
    package = importlib.import_module(main_dir)
    modules = [package]
    for info in pkgutil.iter_modules(getattr(package, "__path__", [])):
        modules.append(importlib.import_module(f"{main_dir}.{info.name}"))
    return modules


def pick_class(candidates: list[type]) -> type:
    """The one candidate, or the most derived when they form one line of inheritance."""
    leaves = [c for c in candidates if not any(o is not c and issubclass(o, c) for o in candidates)]
    if len(leaves) == 1:
        return leaves[0]
    if not leaves:
        raise ModelNotFound("no class with build() and predict() found in main/")
    names = ", ".join(sorted(f"{c.__module__}.{c.__qualname__}" for c in leaves))
    raise ModelNotFound(f"several model classes found ({names}); define load_model() in main/__init__.py")


def load_model(source: Path, main_dir: str) -> Any:
    """Instantiate the model from the model directory ``source`` (put on sys.path)."""
    add_to_path(source)
    wire_model_libraries()
    package = importlib.import_module(main_dir)
    factory = getattr(package, "load_model", None)
    if callable(factory):
        return factory()
    candidates: list[type] = []
    for module in main_modules(main_dir):
        candidates.extend(obj for _, obj in inspect.getmembers(module) if is_model_class(obj, module.__name__))
    return pick_class(list(dict.fromkeys(candidates)))()
