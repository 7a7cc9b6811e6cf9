"""A model directory as the clone step leaves it, for tests that pack a fixture without running git."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Optional

from automations.steps.clone import write_dependency_list


def as_cloned(model_dir: Path, scratch: Path, main_dir: str = "main", dependency_file: Optional[str] = None) -> Path:
    """A copy of ``model_dir`` under ``scratch`` with the dependency list clone writes (the fixture stays clean)."""
    copy = scratch / model_dir.name
    shutil.copytree(model_dir, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    write_dependency_list(copy, main_dir, dependency_file, model_dir.name)
    return copy
