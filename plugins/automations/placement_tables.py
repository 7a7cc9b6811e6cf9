"""The instance, GPU and purchase-option tables (``include/config/kubernetes/*.yaml``) with the user's overrides.

Backend-neutral data: the kubernetes backend turns entries into node placement, the docker backend reads the sizes.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from .settings import PROJECT_ROOT, SharedSettings

CONFIG_DIR = PROJECT_ROOT / "include" / "config" / "kubernetes"
TABLES = ("gpu_types", "instance_sizes", "purchase_options")


PROFILES_DIR = CONFIG_DIR / "profiles"
DEFAULT_PROFILE = "gfd"  # NVIDIA GPU Feature Discovery labels: the shipped tables themselves


def profiles() -> list[str]:
    return sorted([DEFAULT_PROFILE, *(p.stem for p in PROFILES_DIR.glob("*.yaml"))])


def tables(settings: SharedSettings) -> dict[str, dict]:
    """Shipped tables, then the provider profile, then the override file; cached per file and mtime. Any backend's
    slice names the profile and the file (they are shared settings)."""
    override = settings.placement_file
    stamp = Path(override).stat().st_mtime_ns if override else 0
    return _load_tables(override, stamp, str(settings.placement_profile))


@functools.lru_cache(maxsize=8)
def _load_tables(override: str, _stamp: int, profile: str = DEFAULT_PROFILE) -> dict[str, dict]:
    loaded = {name: _read_yaml(CONFIG_DIR / f"{name}.yaml") for name in TABLES}
    if profile != DEFAULT_PROFILE:
        path = PROFILES_DIR / f"{profile}.yaml"
        if not path.exists():
            raise ValueError(f"AUTOMATIONS_K8S_PLACEMENT_PROFILE={profile!r} is not one of {profiles()}")
        for name, table in _read_yaml(path).items():
            loaded[name] = _profile_table(name, loaded[name], table)
    if override:
        extra = _read_yaml(Path(override))
        unknown = set(extra) - set(TABLES)
        if unknown:
            raise ValueError(f"{override}: unknown keys {sorted(unknown)}; expected some of {list(TABLES)}")
        for name in TABLES:
            loaded[name] = _override_table(name, loaded[name], extra.get(name) or {})
    return loaded


def _profile_table(name: str, base: dict, profile: dict) -> dict:
    """A provider profile's table: GPU types are replaced as a whole when it says so (a GPU the provider does not
    offer must be an error, not a GFD label nothing carries); other entries replace the shipped ones."""
    if name == "gpu_types" and profile.get("replace_types"):
        return {**base, **{k: v for k, v in profile.items() if k != "replace_types"}, "types": profile.get("types", {})}
    return _override_table(name, base, profile)


def _override_table(name: str, base: dict, extra: dict) -> dict:
    if name != "gpu_types":  # entries replace entries: a half-merged instance size would surprise
        return {**base, **extra}
    return {**base, **extra, "types": {**base.get("types", {}), **(extra.get("types") or {})}}


def _read_yaml(path: Path) -> dict:
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


def instance_size(instance: str, settings: SharedSettings) -> tuple[float, str, int]:
    """(cpus, memory, gpus) of a named instance size, in the tables ``settings`` name."""
    sizes = tables(settings)["instance_sizes"]
    if instance not in sizes:
        raise ValueError(f"unknown instance {instance!r}; known: {', '.join(sorted(sizes))}")
    entry = sizes[instance]
    gpus = int(entry.get("gpu_amount", 1)) if entry.get("gpu_type") else 0
    return float(entry["cpu"]), str(entry["memory"]), gpus
