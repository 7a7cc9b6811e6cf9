"""The README's layout table matches the tree: every path it names exists, and every top-level entry and every
package of plugins/automations/ is named."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def _layout_rows() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text()
    table = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ", 1) for line in table.splitlines() if line.startswith("| `")]
    return [(left.lstrip("| "), right) for left, right in rows]


def _named(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_every_path_in_the_layout_table_exists():
    for left, _ in _layout_rows():
        for name in _named(left):
            matches = list(ROOT.glob(name.rstrip("/"))) if "*" in name else [ROOT / name]
            assert matches and all(m.exists() for m in matches), name


def test_every_tracked_top_level_entry_is_in_the_layout_table():
    named = {n.rstrip("/").split("/")[0] for left, _ in _layout_rows() for n in _named(left)}
    named |= {p.name for n in list(named) if "*" in n for p in ROOT.glob(n)}
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    top = {line.split("/")[0] for line in tracked.splitlines()} - {".gitignore", ".dockerignore", "README.md"}
    assert top <= named, sorted(top - named)


def test_every_package_of_plugins_automations_is_in_its_row():
    [description] = [right for left, right in _layout_rows() if _named(left) == ["plugins/automations/"]]
    packages = {p.parent.name for p in (ROOT / "plugins" / "automations").glob("*/__init__.py")}
    assert packages and packages <= {n.rstrip("/") for n in _named(description)}, packages
