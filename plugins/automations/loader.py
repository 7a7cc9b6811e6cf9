"""Find definition files, parse YAML or import Python, merge folder defaults, and collect errors per file.

Never raises for a bad definition: one broken file must not cost the others their DAGs. ``load_definitions`` is
what every entry point calls (the DAG files, ``validate``, ``render``, ``list``): it adds the checks only the
deployment's configuration can answer (environments), so each of them gets the same answer.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import yaml
from pydantic import ValidationError

from .definition_inputs import DefinitionInputs
from .definition_limits import shape_problem
from .errors import DefinitionError, from_validation_error
from .interpolate import UnknownVariable, interpolate
from .merge import deep_merge
from .parse_cache import CACHE_DIR, DefinitionCache
from .spec import Automation
from .time_limit import BudgetSpent, DefinitionTimeout, time_limit
from .variation_names import collisions

if TYPE_CHECKING:
    from .settings import Settings

DEFAULTS_FILE = "_defaults.yaml"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's loader parses ~10x faster
SUFFIXES = (".yaml", ".yml", ".py")


@dataclass(frozen=True)
class LoadedAutomation:
    spec: Automation
    source: Path

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass
class LoadResult:
    automations: list[LoadedAutomation] = field(default_factory=list)
    errors: list[DefinitionError] = field(default_factory=list)

    def by_name(self) -> dict[str, LoadedAutomation]:
        return {a.name: a for a in self.automations}


def discover(paths: Iterable[Path]) -> list[Path]:
    """Definition files under the given folders (recursively) or the files themselves, sorted."""
    found: set[Path] = set()
    for path in paths:
        if path.is_file():
            found.add(path.resolve())
        elif path.is_dir():
            found.update(_walk(path.resolve()))
    return sorted(found)


def _walk(folder: Path) -> Iterator[Path]:
    # os.walk over an already-resolved root: no per-file resolve() or stat() beyond what scandir gives.
    for directory, subdirs, files in os.walk(folder):
        subdirs[:] = [d for d in subdirs if d != "__pycache__" and not d.startswith(".")]
        for name in files:
            if name.endswith(SUFFIXES) and not name.startswith(("_", ".")):
                yield Path(directory, name)


def load_definitions(settings: Settings, paths: Iterable[Path] = (), only: Optional[str] = None) -> LoadResult:
    """The definitions under ``paths`` (default: ``settings.automations_dir``), their environments checked.

    ``only`` is the fast path of a task run: just the definition of that name, when its file is named after it.
    The environment is read here, once, for the ``${NAME}`` references of the whole load.
    """
    paths, inputs = list(paths), DefinitionInputs.of(settings, os.environ)
    if paths:
        root = _defaults_root(paths, settings.automations_dir)
        return check_environments(load(paths, root=root, inputs=inputs), settings)
    found = _load_by_file_name(settings.automations_dir, only, inputs) if only else None
    if found is None:
        found = load([settings.automations_dir], root=settings.automations_dir, cache=_cache(settings), inputs=inputs)
    return check_environments(found, settings)


def _defaults_root(paths: list[Path], automations_dir: Path) -> Path | None:
    # Defaults cascade from AUTOMATIONS_DIR when the paths are inside it; otherwise load() starts them at the
    # outermost given folder.
    resolved = [p.resolve() for p in paths]
    if all(p == automations_dir or automations_dir in p.parents for p in resolved):
        return automations_dir
    return None


def _cache(settings: Settings) -> Optional[DefinitionCache]:
    """Shared by both DAG files and kept between parse cycles (see parse_cache.py)."""
    if not settings.parse_cache:
        return None
    return DefinitionCache(settings.state_dir / CACHE_DIR, settings.automations_dir)


def _load_by_file_name(folder: Path, name: str, inputs: DefinitionInputs) -> Optional[LoadResult]:
    for suffix in SUFFIXES:
        for candidate in folder.rglob(f"{name}{suffix}"):
            automations, errors = load_file(candidate.resolve(), folder.resolve(), inputs)
            if any(a.name == name for a in automations):
                return LoadResult([a for a in automations if a.name == name], errors)
    return None


def check_environments(result: LoadResult, settings: Settings) -> LoadResult:
    """Environments are checked against include/config, which the schema alone cannot see (and which can change
    without the definition changing, so this runs after the parse cache, every time)."""
    from .environments import EnvironmentsFileError, load_environments

    try:
        known = sorted(load_environments(settings.kubernetes))
    except EnvironmentsFileError as exc:
        return LoadResult(
            result.automations, [*result.errors, DefinitionError(str(settings.environments_file), "", str(exc))]
        )
    kept, errors = [], list(result.errors)
    for automation in result.automations:
        problems = _environment_problems(automation, known, settings)
        errors.extend(problems)
        if not problems:
            kept.append(automation)
    return LoadResult(kept, errors)


def _environment_problems(automation: LoadedAutomation, known: list[str], settings: Settings) -> list[DefinitionError]:
    from .environments import requested_environments, unknown_environments

    spec = automation.spec
    if not requested_environments(spec):  # most definitions: nothing to look up (each lookup stats the file)
        return []
    listed = not spec.is_batch and spec.action.deployment_spec.environments
    path = "action.deployment_spec.environments" if listed else "environment"
    return [
        DefinitionError(
            display(automation.source),
            path,
            f"unknown environment {name!r} (known: {known}). Qwak created environments on its server; here add it "
            f"to {settings.environments_file} as 'environments: {{{name}: {{conn_id: <kubernetes connection id>, "
            "namespace: <namespace>}}}}'",
        )
        for name in unknown_environments(spec, settings.kubernetes)
    ]


def load(
    paths: Iterable[Path], root: Path | None = None, cache: DefinitionCache | None = None, *, inputs: DefinitionInputs
) -> LoadResult:
    """Load every definition below ``paths``; ``root`` bounds how far up ``_defaults.yaml`` files are looked for.

    With a ``cache`` (whose root must be ``root``), unchanged files reuse their validated result.
    """
    paths = list(paths)
    result = LoadResult()
    seen: dict[str, Path] = {}
    for file in discover(paths):
        automations, errors = _load_file_cached(file, root or _common_root(paths), cache, inputs)
        result.errors.extend(errors)
        for automation in automations:
            if automation.name in seen:
                result.errors.append(_duplicate(result, automation, seen))
                continue
            seen[automation.name] = file
            result.automations.append(automation)
    _drop_colliding_variations(result)
    if cache is not None:
        cache.save()
    return result


def _drop_colliding_variations(result: LoadResult) -> None:
    """A definition whose deployment would take over another's Kubernetes objects is an error of the later file."""
    found = collisions((a.spec, a.source) for a in result.automations)
    losers = {c.loser for c in found}
    result.automations = [a for a in result.automations if a.name not in losers]
    result.errors.extend(
        DefinitionError(display(c.loser_file), "action.deployment_spec.variation_name", c.reason) for c in found
    )


def _duplicate(result: LoadResult, new: LoadedAutomation, seen: dict[str, Path]) -> DefinitionError:
    """The error for the losing definition of a name used twice: the one in the file named after it wins.

    That is the file a task run loads first (the parsing-context fast path), so both ways agree; otherwise the
    first file in sorted order keeps it. Either way a new file cannot take over a name a ``<name>.yaml`` holds.
    """
    loser, winner = new.source, seen[new.name]
    if new.source.stem == new.name and winner.stem != new.name:
        index = next(i for i, a in enumerate(result.automations) if a.name == new.name)
        result.automations[index] = new
        seen[new.name] = new.source
        loser, winner = winner, new.source
    return DefinitionError(display(loser), "name", f"duplicate name {new.name!r}: already defined in {display(winner)}")


def _load_file_cached(
    file: Path, root: Path, cache: DefinitionCache | None, inputs: DefinitionInputs
) -> tuple[list[LoadedAutomation], list[DefinitionError]]:
    key = cache.key(file) if cache is not None else None
    if cache is None or key is None:
        return load_file(file, root, inputs)
    hit = cache.get(key)
    if hit is not None:
        specs, errors = hit
        return [LoadedAutomation(spec, file) for spec in specs], list(errors)
    automations, errors = load_file(file, root, inputs)
    cache.put(key, ([a.spec for a in automations], errors))
    return automations, errors


def _common_root(paths: list[Path]) -> Path:
    dirs = [p.resolve() if p.is_dir() else p.resolve().parent for p in paths] or [Path.cwd()]
    return min(dirs, key=lambda d: len(d.parts))


def load_file(file: Path, root: Path, inputs: DefinitionInputs) -> tuple[list[LoadedAutomation], list[DefinitionError]]:
    try:
        return _load_file(file, root, inputs)
    except (Exception, RecursionError, MemoryError) as exc:  # the last line of defence: this file's error only
        return [], [DefinitionError(display(file), "", f"could not be loaded: {type(exc).__name__}: {exc}"[:500])]


def _load_file(
    file: Path, root: Path, inputs: DefinitionInputs
) -> tuple[list[LoadedAutomation], list[DefinitionError]]:
    try:
        defaults = _defaults_for(file, root, inputs)
    except DefinitionLoadError as exc:
        return [], [exc.error]
    loader = _load_python if file.suffix == ".py" else _load_yaml
    try:
        raw_items = list(loader(file, inputs))
    except DefinitionLoadError as exc:
        return [], [exc.error]
    if not raw_items:
        return [], [DefinitionError(display(file), "", "defines no automation")]
    return _validate_all(file, raw_items, defaults)


def _validate_all(
    file: Path, raw_items: list[tuple[str, Any]], defaults: dict
) -> tuple[list[LoadedAutomation], list[DefinitionError]]:
    loaded, errors = [], []
    for prefix, raw in raw_items:
        if not isinstance(raw, (dict, Automation)):
            errors.append(
                DefinitionError(
                    display(file), prefix, f"expected a mapping of automation fields, got {type(raw).__name__}"
                )
            )
            continue
        try:
            loaded.append(LoadedAutomation(_apply_defaults(raw, defaults), file))
        except ValidationError as exc:
            errors.extend(from_validation_error(display(file), exc, prefix))
    return loaded, errors


def _apply_defaults(raw: dict | Automation, defaults: dict) -> Automation:
    if isinstance(raw, Automation):
        if not defaults:
            return raw
        raw = raw.model_dump(exclude_unset=True)
    return Automation.model_validate(deep_merge(defaults, raw))


class DefinitionLoadError(Exception):
    def __init__(self, error: DefinitionError):
        super().__init__(str(error))
        self.error = error


def _read_yaml(file: Path, inputs: DefinitionInputs) -> list[Any]:
    docs, references = _parse_yaml(file)
    return _interpolated(file, docs, inputs) if references else docs


def _interpolated(file: Path, docs: list[Any], inputs: DefinitionInputs) -> list[Any]:
    try:
        return interpolate(docs, inputs.variables)
    except UnknownVariable as exc:
        raise DefinitionLoadError(DefinitionError(display(file), "", str(exc))) from None
    except RecursionError:
        raise DefinitionLoadError(DefinitionError(display(file), "", "YAML nested too deeply to parse")) from None


def _parse_yaml(file: Path) -> tuple[list[Any], bool]:
    """The file's documents, and whether its text holds a ``${`` (interpolation copies every string it walks:
    only files that use it pay for it)."""
    try:
        text = file.read_bytes().decode("utf-8")
        docs = [doc for doc in yaml.load_all(text, Loader=_YAML_LOADER) if doc is not None]
        _check_shape(file, docs)
        return docs, "${" in text
    except UnicodeDecodeError as exc:
        raise DefinitionLoadError(
            DefinitionError(display(file), "", f"not UTF-8 text (byte {exc.start}: {exc.reason})")
        ) from None
    except RecursionError:  # the pure-Python YAML parser recurses per nesting level; libyaml stops at 1,000
        raise DefinitionLoadError(DefinitionError(display(file), "", "YAML nested too deeply to parse")) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join((getattr(exc, "problem", None) or str(exc)).split())
        raise DefinitionLoadError(DefinitionError(display(file), "", f"YAML syntax error{where}: {problem}")) from None
    except OSError as exc:
        raise DefinitionLoadError(DefinitionError(display(file), "", f"cannot read: {exc}")) from None


def _check_shape(file: Path, docs: list[Any]) -> None:
    for index, doc in enumerate(docs):
        problem = shape_problem(doc)
        if problem:
            prefix = f"document[{index}]" if len(docs) > 1 else ""
            path = ".".join(p for p in (prefix, problem.path) if p)
            raise DefinitionLoadError(DefinitionError(display(file), path, problem.reason))


def _load_yaml(file: Path, inputs: DefinitionInputs) -> Iterator[tuple[str, Any]]:
    docs = _read_yaml(file, inputs)
    for doc_index, doc in enumerate(docs):
        items = doc if isinstance(doc, list) else [doc]
        for item_index, item in enumerate(items):
            yield _item_prefix(len(docs), doc_index, isinstance(doc, list), item_index), item


def _item_prefix(n_docs: int, doc_index: int, is_list: bool, item_index: int) -> str:
    parts = [f"document[{doc_index}]"] if n_docs > 1 else []
    if is_list:
        parts.append(f"[{item_index}]")
    return "".join(parts)


def _load_python(file: Path, inputs: DefinitionInputs) -> Iterator[tuple[str, Any]]:
    module_name = f"_automation_defs_{abs(hash(str(file)))}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise DefinitionLoadError(DefinitionError(display(file), "", "cannot be imported as a Python module"))
    module = importlib.util.module_from_spec(spec)
    limit = inputs.python_timeout_s
    try:
        with time_limit(limit):
            spec.loader.exec_module(module)
    except ValidationError as exc:
        first = from_validation_error(display(file), exc, exc.title)
        raise DefinitionLoadError(first[0] if len(first) == 1 else _joined(file, first)) from None
    except DefinitionTimeout as exc:
        reason = f"still running after {exc.seconds:.3g}s (AUTOMATIONS_PYTHON_DEFINITION_TIMEOUT is {limit:g}s)"
        raise _python_error(file, reason) from None
    except BudgetSpent as exc:
        raise _python_error(file, f"not run: the DAG file's import timeout is nearly spent ({exc})") from None
    except SystemExit as exc:  # sys.exit() in a definition must not end the DAG processor's parse of every file
        raise _python_error(file, f"called sys.exit({exc.code!r}) while being imported") from None
    except Exception as exc:  # a user's file can raise anything; report it instead of losing other DAGs
        raise _python_error(file, f"{type(exc).__name__}: {exc}") from None
    finally:
        sys.modules.pop(module_name, None)
    yield from _module_automations(module)


def _python_error(file: Path, reason: str) -> DefinitionLoadError:
    return DefinitionLoadError(DefinitionError(display(file), "", reason))


def _joined(file: Path, errors: list[DefinitionError]) -> DefinitionError:
    return DefinitionError(display(file), errors[0].path, "; ".join(f"{e.path}: {e.reason}" for e in errors))


def _module_automations(module: Any) -> Iterator[tuple[str, Any]]:
    for attr, value in vars(module).items():
        if isinstance(value, Automation):
            yield attr, value
        elif isinstance(value, (list, tuple)) and any(isinstance(v, Automation) for v in value):
            for index, item in enumerate(value):
                if isinstance(item, Automation):
                    yield f"{attr}[{index}]", item


def _defaults_for(file: Path, root: Path, inputs: DefinitionInputs) -> dict:
    merged: dict = {}
    folder = file.parent
    chain = [folder, *folder.parents]
    for directory in reversed([d for d in chain if d == root or root in d.parents]):
        merged = deep_merge(merged, _folder_defaults(directory / DEFAULTS_FILE, inputs))
    return merged


def _folder_defaults(candidate: Path, inputs: DefinitionInputs) -> dict:
    try:
        mtime = candidate.stat().st_mtime_ns
    except FileNotFoundError:
        return {}
    defaults, references = _parsed_defaults(candidate, mtime)
    return _interpolated(candidate, [defaults], inputs)[0] if references else defaults


@functools.lru_cache(maxsize=256)
def _parsed_defaults(candidate: Path, mtime_ns: int) -> tuple[dict, bool]:
    # Keyed by modification time, so an edited _defaults.yaml is read again; each folder is parsed once per load.
    # Cached before interpolation: the variables belong to the load, not to the file.
    docs, references = _parse_yaml(candidate)
    if docs and not isinstance(docs[0], dict):
        raise DefinitionLoadError(DefinitionError(display(candidate), "", "defaults must be a mapping"))
    return (docs[0] if docs else {}), references


def display(file: Path) -> str:
    """Paths relative to the working directory when possible, as users typed them."""
    try:
        return str((file if file.is_absolute() else file.resolve()).relative_to(Path.cwd()))
    except ValueError:
        return str(file)
