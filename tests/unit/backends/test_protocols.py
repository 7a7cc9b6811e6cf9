"""Every registered backend implements the backend Protocols, and stays inside its own package."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from automations.backends import PROTOCOLS, REQUIRED_ROLES, backend_module, optional_backend_module
from automations.settings import Backend

pytestmark = pytest.mark.unit

BACKENDS_DIR = Path(__file__).resolve().parents[3] / "plugins" / "automations" / "backends"
# What no backend may import: the loader (the lowest layer must not depend on definition files), the task layer
# (XCom lives there), and any other backend.
FORBIDDEN = {"automations.loader", "automations.tasks", "automations.dagfile", "automations.compiler"}


def _modules(backend: Backend):
    for role in REQUIRED_ROLES:
        yield role, backend_module(backend, role)
    image = optional_backend_module(backend, "image")
    if image is not None:
        yield "image", image


def _protocol_methods(protocol: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(protocol).items()
        if callable(member) and not name.startswith("_")
    }


@pytest.mark.parametrize("backend", list(Backend))
def test_every_backend_module_matches_its_protocol(backend):
    seen = []
    for role, module in _modules(backend):
        protocol = PROTOCOLS[role]
        assert isinstance(module, protocol), f"{module.__name__} lacks a method of {protocol.__name__}"
        for name, wanted in _protocol_methods(protocol).items():
            params = [p for p in wanted.parameters.values() if p.name != "self"]
            got = list(inspect.signature(getattr(module, name)).parameters.values())
            assert [p.name for p in got[: len(params)]] == [p.name for p in params], f"{module.__name__}.{name}"
            extra = got[len(params) :]
            assert all(p.default is not inspect.Parameter.empty for p in extra), f"{module.__name__}.{name}"
        seen.append(role)
    assert set(REQUIRED_ROLES) <= set(seen)


def test_the_check_can_fail():
    class NotABuild:
        def render(self, automation, settings):
            return []

    assert not isinstance(NotABuild(), PROTOCOLS["build"])


def _imports(path: Path, package: str) -> set[str]:
    """Absolute names of everything a module imports (relative imports resolved against ``package``)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("backend", list(Backend))
def test_a_backend_imports_no_other_backend_nor_the_loader(backend):
    others = {f"automations.backends.{b.value}" for b in Backend if b is not backend}
    for path in (BACKENDS_DIR / backend.value).glob("*.py"):
        for name in _imports(path, f"automations.backends.{backend.value}"):
            assert not any(name == o or name.startswith(o + ".") for o in others), f"{path.name} imports {name}"
            assert not any(name == f or name.startswith(f + ".") for f in FORBIDDEN), f"{path.name} imports {name}"


def test_the_import_check_sees_a_relative_crossing(tmp_path):
    """The crossing this check once caught (docker deploy importing the local registry), written both ways."""
    module = tmp_path / "deploy.py"
    module.write_text("def route():\n    from ..local import registry\nimport automations.backends.kubernetes.names\n")
    names = _imports(module, "automations.backends.docker")
    assert "automations.backends.local.registry" in names
    assert "automations.backends.kubernetes.names" in names
