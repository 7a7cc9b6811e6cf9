"""Two definitions whose deployments would land on the same Kubernetes objects, though they name them differently.

Kubernetes names are lower-case DNS labels, so variations ``A`` and ``a`` (or ``ab_test`` and ``ab-test``) of one
model both become the Deployment ``<model>-a``: the second deploy would silently replace the first one's pods, or
the API server would refuse it half way with a 422. The same model and variation spelled *the same* in two
definitions is allowed on purpose (a nightly retrain and a metric trigger of one deployment).

Pure: the loader calls ``collisions`` over everything it loaded and drops the later definition of each pair.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .dns_spelling import dns_spelling
from .spec import Automation

DEFAULT_ENVIRONMENT = "<default>"


@dataclass(frozen=True)
class Target:
    model_id: str
    variation: str
    environments: frozenset[str]

    @property
    def spelled(self) -> tuple[str, str]:
        return dns_spelling(self.model_id), dns_spelling(self.variation)


def target(spec: Automation) -> Target | None:
    deployment = getattr(spec.action, "deployment_spec", None)
    if deployment is None:  # an action that deploys nothing
        return None
    environments = frozenset(deployment.environments) or frozenset({DEFAULT_ENVIRONMENT})
    return Target(spec.model_id, deployment.variation_name, environments)


@dataclass(frozen=True)
class Collision:
    loser: str  # the automation's name (unique after the loader's duplicate check)
    loser_file: Path
    winner_file: Path
    reason: str


def collisions(loaded: Iterable[tuple[Automation, Path]]) -> list[Collision]:
    """For each definition whose target collides with an earlier one's, the pair and the user-facing reason."""
    # Only targets spelled alike can collide: indexing by spelling keeps this linear in the number of definitions
    # (comparing each with every earlier one cost 1.8x the hand-written DAG file's whole parse at 5,000).
    seen: dict[tuple[str, str], list[tuple[Target, Automation, Path]]] = {}
    found = []
    for spec, source in loaded:
        mine = target(spec)
        if mine is None:
            continue
        alike = seen.setdefault(mine.spelled, [])
        clash = next((other for other in alike if _collide(mine, other[0])), None)
        if clash is None:
            alike.append((mine, spec, source))
            continue
        theirs, their_spec, their_source = clash
        found.append(Collision(spec.name, source, their_source, _reason(mine, theirs, their_spec.name)))
    return found


def _collide(a: Target, b: Target) -> bool:
    same_spelling = (a.model_id, a.variation) == (b.model_id, b.variation)
    return not same_spelling and a.spelled == b.spelled and bool(a.environments & b.environments)


def _reason(mine: Target, theirs: Target, their_name: str) -> str:
    model, variation = mine.spelled
    return (
        f"model {mine.model_id!r} variation {mine.variation!r} and automation {their_name!r}'s model "
        f"{theirs.model_id!r} variation {theirs.variation!r} both become the Kubernetes Deployment "
        f"'{model}-{variation}' (names are lower-case, '_' becomes '-'), so one would replace the other's pods: "
        "spell the variation the same way in both, or give it a name that differs in letters or digits"
    )
