"""Failures a deploy backend reports, so the deploy step can record the right status."""


class DeployFailed(Exception):
    """The new version did not become healthy; the previous one (if any) is still serving."""


class RolledBack(DeployFailed):
    """The rollout failed and the previous version was restored (status ``rolled_back``)."""


class RollbackFailed(DeployFailed):
    """The rollout failed and restoring the previous version failed too: needs a human, loudly."""
