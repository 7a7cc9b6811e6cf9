"""Identifiers shared by every step, so the build, the gate, the analytics rows and the deploy agree."""

from __future__ import annotations

import hashlib
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def build_id(automation: str, commit: str, run_id: str) -> str:
    """``<automation>-<commit[:10]>-<6 hex of run_id>``: unique per run, readable, safe in paths and labels."""
    run_hash = hashlib.sha256(run_id.encode()).hexdigest()[:6]
    return f"{automation}-{commit[:10]}-{run_hash}"


def safe_path_part(text: str) -> str:
    return _UNSAFE.sub("_", text)


def serving_image(registry: str, model_id: str, commit: str) -> str:
    """The serving image's reference: its tag carries the model_id's repository and the commit SHA."""
    return f"{registry.rstrip('/')}/{model_id.lower()}:{commit[:12]}"
