"""Counts of what the fuzz properties fed the loader and what came back, for the end-of-run summary."""

from __future__ import annotations

from collections import Counter

COUNTS: Counter[str] = Counter()
SLOWEST: dict[str, float] = {}


def record(kind: str, outcome: str, seconds: float) -> None:
    COUNTS[f"{kind}:{outcome}"] += 1
    SLOWEST[kind] = max(SLOWEST.get(kind, 0.0), seconds)


def summary_lines() -> list[str]:
    kinds = sorted({key.split(":")[0] for key in COUNTS})
    lines = []
    for kind in kinds:
        accepted, rejected, crashed = (COUNTS[f"{kind}:{o}"] for o in ("accepted", "rejected", "crashed"))
        lines.append(
            f"{kind}: {accepted + rejected + crashed} files, {accepted} accepted, {rejected} rejected"
            f" (each naming file, field and reason), {crashed} crashes, slowest {SLOWEST[kind]:.2f}s"
        )
    return lines
