"""Failures a deploy backend reports, so the deploy step can record the right status."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..runs import DeployTarget


class DeployFailed(Exception):
    """The new version did not become healthy; the previous one (if any) is still serving.

    ``targets``: for a deploy to several environments, each environment's own outcome so far (``DeployTarget``s,
    each with a ``status`` of ``analytics.rows.DeployStatus``); empty when not known.
    """

    def __init__(self, message: str = "", targets: tuple[DeployTarget, ...] = ()) -> None:
        super().__init__(message)
        self.targets = targets


class RolledBack(DeployFailed):
    """The rollout failed and the previous version was restored (status ``rolled_back``)."""


class RollbackFailed(DeployFailed):
    """The rollout failed and restoring the previous version failed too: needs a human, loudly."""
