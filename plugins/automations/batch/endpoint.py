"""Which server a batch run sends its rows to: where the model is deployed now, read from the analytics store.

The store's ``deployments`` rows are backend-neutral (the target is the URL the deploy step reported), so the same
lookup serves the local, Docker and Kubernetes backends. A named build is used only while it serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

# Bounded: the newest deployments of one model; the current one per variation and environment is the first seen.
_DEPLOYMENTS = """SELECT build_id, target, variation, environment, status FROM deployments
    WHERE model_id = :model_id ORDER BY id DESC LIMIT 200"""
PREFERRED_VARIATION = "default"


class NoServingModel(LookupError):
    """Nothing serves the model (or the named build), so there is nothing to send the rows to."""


@dataclass(frozen=True)
class Serving:
    endpoint: str
    build_id: Optional[str]
    variation: str
    environment: str


def serving(store: Any, model_id: str, build_id: str = "") -> Serving:
    current = _current(store.fetch(_DEPLOYMENTS, {"model_id": model_id}))
    if not current:
        raise NoServingModel(f"model {model_id!r} is not deployed: deploy it first (a build-and-deploy automation)")
    if build_id:
        named = [s for s in current if s.build_id == build_id]
        if not named:
            serving_now = ", ".join(f"{s.build_id} ({s.variation}/{s.environment})" for s in current)
            raise NoServingModel(
                f"build {build_id!r} of {model_id!r} is not serving (serving now: {serving_now}); a batch run "
                "uses a serving endpoint: deploy that build, or leave build_id empty for the deployed model"
            )
        return named[0]
    preferred = [s for s in current if s.variation == PREFERRED_VARIATION]
    return (preferred or current)[0]


def _current(rows: list[Any]) -> list[Serving]:
    """The newest deployed row of each variation and environment; failed and rolled-back rows never replace it."""
    seen: set[tuple[str, str]] = set()
    found = []
    for build_id, target, variation, environment, status in rows:
        if status != "deployed" or (variation, environment) in seen or not target:
            continue
        seen.add((variation, environment))
        found.append(Serving(str(target), build_id, variation, environment))
    return found
