"""The definition fixtures under tests/fixtures/definitions and what they define."""

from __future__ import annotations

from pathlib import Path

DEFINITIONS = Path(__file__).resolve().parents[1] / "fixtures" / "definitions"
VALID = DEFINITIONS / "valid"
MIXED = DEFINITIONS / "mixed"
# Every automation in VALID (YAML, a Python file with a module-level list, and a folder with _defaults.yaml).
VALID_NAMES = frozenset(
    {"churn_nightly", "hourly_gpu", "manual_only", "python_listed", "python_weekly", "team_b_inherits"}
)
