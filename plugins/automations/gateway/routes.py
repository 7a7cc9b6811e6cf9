"""The gateway's routing table, built from the deployment records: pure functions, no I/O."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Optional

from . import ports as ports_mod


@dataclass(frozen=True)
class Route:
    key: str  # registry.key(automation, variation)
    automation: str
    variation: str
    model_id: str
    upstream: str  # where the serving process answers now (a private port or a container's published port)
    build_id: str
    weight: int


@dataclass(frozen=True)
class Table:
    by_port: dict[int, Route]  # stable variation port -> route (absent: assigned but not deployed now)
    by_model: dict[str, tuple[Route, ...]]
    ports: dict[str, int]

    def for_model(self, model_id: str, rng: random.Random) -> Optional[Route]:
        """One of the model's variations, drawn by weight; None when none is deployed with a weight > 0."""
        candidates = [r for r in self.by_model.get(model_id, ()) if r.weight > 0]
        if not candidates:
            return None
        return rng.choices(candidates, weights=[r.weight for r in candidates])[0]

    def snapshot(self) -> dict:
        return {
            "ports": self.ports,
            "routes": {
                r.key: {"upstream": r.upstream, "build_id": r.build_id, "port": p} for p, r in self.by_port.items()
            },
        }


def build_table(records: list[dict], ports: dict[str, int]) -> Table:
    """``records``: deployment records (dicts) that are alive; ``ports``: the assigned stable ports."""
    by_port: dict[int, Route] = {}
    by_model: dict[str, list[Route]] = {}
    for record in records:
        key = record["key"]
        if key not in ports or not record.get("upstream"):
            continue
        route = Route(
            key=key,
            automation=record["automation"],
            variation=record["variation"],
            model_id=record.get("model_id", ""),
            upstream=record["upstream"],
            build_id=record["build_id"],
            weight=int(record.get("weight", 100)),
        )
        by_port[ports[key]] = route
        if route.model_id:
            by_model.setdefault(route.model_id, []).append(route)
    return Table(by_port, {m: tuple(sorted(rs, key=lambda r: r.key)) for m, rs in by_model.items()}, dict(ports))


def listen_ports(table: Table) -> list[int]:
    """Every assigned port: undeployed variations keep theirs (answering 503) so nobody else takes it."""
    return sorted(set(table.ports.values()))


def models_port(table: Table) -> Optional[int]:
    return table.ports.get(ports_mod.MODELS_KEY)
