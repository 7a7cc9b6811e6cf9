"""What the runtime knows about Qwak's and JFrog ML's model libraries (qwak-core, frogml), in one place.

* Local mode: both libraries skip their server calls (``log_data`` uploads) when ``QWAK_IS_RUN_LOCAL`` /
  ``FROGML_IS_RUN_LOCAL`` is set, which is what their own ``run_local`` does. Builds, tests and servers here run
  with both set, so nothing reaches Qwak's or JFrog's servers.
* Implied dependencies: Qwak's build image came with qwak-core, so real repos import ``qwak`` without naming it in
  their dependency file. The dependency list (automations/dependencies.py, on the Airflow side) adds the library
  when the model's code imports it and the file does not name it, and only then (each addition is a warning line).
* Logged values: ``log_metric`` / ``log_param`` keep them in an in-process singleton that ``build`` reads.
* Schemas: constructing a ``ModelSchema`` asks Qwak's server for the account's environment name (gRPC, which hangs
  without it), even for ``ExplicitFeature``-only schemas. Local mode swaps the libraries' ``enrich_schema`` for one
  that does what theirs does without a feature store (entity names lower-cased, features unchanged) and refuses
  ``FeatureStoreInput``, which needs Qwak's feature store.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

LOCAL_MODE_ENV = ("QWAK_IS_RUN_LOCAL", "FROGML_IS_RUN_LOCAL")


@dataclass(frozen=True)
class Library:
    module: str  # the top-level import name
    requirement: str  # what install adds (the version the tests run against)
    distributions: tuple[str, ...]  # packages that provide the module: naming any of them counts as "listed"
    store: str  # module of the log_metric/log_param singleton
    tracker: Callable[[Any], Any]  # that module -> the singleton
    schema_module: str  # where ModelSchema calls enrich_schema


LIBRARIES = (
    Library(
        "qwak",
        "qwak-core==0.7.160",
        ("qwak-core", "qwak-sdk"),
        "qwak.model.experiment_tracking",
        lambda m: m.QwakExperimentTracking(),
        "qwak.model.schema",
    ),
    Library(
        "frogml",
        "frogml==2.1.152",
        ("frogml",),
        "frogml.sdk.model.model_version_tracking",
        lambda m: m.FrogmlModelVersionTracking(),
        "frogml.sdk.model.schema",
    ),
)
_SKIP_DIRS = {".git", ".venv", "venv", "__pycache__", "node_modules", ".pytest_cache"}


def enter_local_mode(environ: Optional[MutableMapping[str, str]] = None) -> None:
    """Set both libraries' local-mode switches (an explicit value in the environment is kept)."""
    env: MutableMapping[str, str] = os.environ if environ is None else environ
    for name in LOCAL_MODE_ENV:
        env.setdefault(name, "true")


class FeatureStoreUnavailable(RuntimeError):
    """A schema asked for FeatureStoreInput: Qwak's / JFrog's feature store is not part of this platform."""


def local_enrich_schema(features: list, entities: list) -> tuple[list, list]:
    """The libraries' enrich_schema for schemas without feature-store inputs, without calling their servers."""
    store_inputs = [f.name for f in features if type(f).__name__ == "FeatureStoreInput"]
    if store_inputs:
        raise FeatureStoreUnavailable(
            f"FeatureStoreInput {', '.join(map(str, store_inputs))} needs Qwak's feature store, which is not "
            "available here; use ExplicitFeature"
        )
    by_name = {entity.name: entity for entity in entities}
    for entity in by_name.values():
        entity.name = entity.name.lower()
    return list(features), list(by_name.values())


def patch_schemas(module_name: str) -> bool:
    """Point ``module_name`` (qwak/frogml's schema module) at local_enrich_schema; False if it does not import."""
    import importlib

    try:
        module = importlib.import_module(module_name)
    except Exception:  # another library version with another layout: leave it alone
        return False
    if not hasattr(module, "enrich_schema"):
        return False
    module.enrich_schema = local_enrich_schema  # type: ignore[attr-defined]
    return True


def _import_pattern(module: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*(?:import|from)\s+{module}(?:\.|\s|,|$)", re.MULTILINE)


def importers(source: Path, module: str) -> list[Path]:
    """The .py files under ``source`` (main/, tests/, helpers) that import ``module``, relative to ``source``."""
    pattern, found = _import_pattern(module), []
    for path in sorted(source.rglob("*.py")):
        if _SKIP_DIRS & set(path.relative_to(source).parts):
            continue
        try:
            if pattern.search(path.read_text(errors="replace")):
                found.append(path.relative_to(source))
        except OSError:
            continue
    return found


def normalized_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return normalized_name(match[1]) if match else ""


def implied_requirements(source: Path, requirements: list[str]) -> list[tuple[str, str]]:
    """(requirement, why) for each library the model imports but ``requirements`` does not name."""
    named = {_requirement_name(r) for r in requirements}
    implied = []
    for library in LIBRARIES:
        if named & {normalized_name(d) for d in library.distributions}:
            continue
        files = importers(source, library.module)
        if files:
            why = f"{files[0]} imports {library.module} and the dependency file does not name it"
            implied.append((library.requirement, why))
    return implied


def logged(modules: MutableMapping[str, Any] | dict[str, Any], kind: str) -> dict[str, Any]:
    """What the model logged through the libraries it imported: kind is "metrics" or "params"."""
    found: dict[str, Any] = {}
    for library in LIBRARIES:
        module = modules.get(library.store)
        if module is None:  # never imported: importing it now would cost seconds and find nothing
            continue
        try:
            tracker = library.tracker(module)
            found.update((tracker.get_metrics() if kind == "metrics" else tracker.get_params()) or {})
        except Exception as exc:  # another library version: say so, keep the other sources
            print(f"model_runtime: could not read {kind} from {library.store}: {exc!r}")
    return found
