"""Prune old local build environments and workspaces, so nightly automations do not fill the disk.

Kept: every build a local server is running (any variation) and the newest ``keep`` builds of the automation.
A build id is ``<automation>-<commit10>-<hash6>`` (ids.build_id); matching it exactly keeps automation ``churn``
from pruning the builds of ``churn-b``.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

from ...gateway import registry
from ...settings import LocalSettings

log = logging.getLogger(__name__)


def _build_dirs(folder: Path, automation: str) -> list[Path]:
    pattern = re.compile(rf"^{re.escape(automation)}-[0-9a-f]{{10}}-[0-9a-f]{{6}}$")
    if not folder.is_dir():
        return []
    return [p for p in folder.iterdir() if p.is_dir() and pattern.match(p.name)]


def prunable(settings: LocalSettings, automation: str, keep: int) -> list[str]:
    """Build ids whose environment and workspace may go, oldest last-use first."""
    deployed = {d.build_id for d in registry.all_deployments(settings.deployments_dir) if d.automation == automation}
    envs = sorted(_build_dirs(settings.envs_dir, automation), key=lambda p: p.stat().st_mtime, reverse=True)
    newest = {p.name for p in envs[:keep]}
    return [p.name for p in reversed(envs) if p.name not in deployed | newest]


def prune(settings: LocalSettings, automation: str, keep: int | None = None) -> list[str]:
    """Remove the prunable builds' environments and workspaces; returns their build ids."""
    removed = prunable(settings, automation, settings.keep_builds if keep is None else keep)
    for build_id in removed:
        for folder in (settings.envs_dir, settings.workspaces_dir):
            shutil.rmtree(folder / build_id, ignore_errors=True)
    if removed:
        log.info("pruned %d old build environment(s) of %s: %s", len(removed), automation, ", ".join(removed))
    return removed
