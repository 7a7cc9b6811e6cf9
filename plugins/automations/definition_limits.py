"""Limits on what a parsed definition may look like, checked before anything walks it recursively.

Interpolation, defaults merging, pydantic and the DAG's JSON serialization all recurse over a definition. A
definition nested 1,000 levels deep (or a YAML alias bomb that expands to billions of values) would raise
RecursionError or run for hours inside them, and in a DAG file that costs every automation its DAG. This walk is
iterative and stops at the first value over a limit, so it is bounded whatever the input.
"""

from __future__ import annotations

from typing import Any, NamedTuple

MAX_DEPTH = 32  # the schema's deepest path is about 6 levels; user maps (parameters, env) add a few
MAX_VALUES = 100_000  # counted with aliases expanded: a real definition holds a few hundred


_ALIASES = "a YAML alias expands to a full copy each time it is used"


class ShapeProblem(NamedTuple):
    path: str
    reason: str


def shape_problem(value: Any) -> ShapeProblem | None:
    """The first place where ``value`` is nested deeper than MAX_DEPTH or grows past MAX_VALUES, if any."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    count = 0
    while stack:
        item, path = stack.pop()
        count += 1
        if count > MAX_VALUES:
            return ShapeProblem(_dotted(path), f"more than {MAX_VALUES:,} values ({_ALIASES})")
        if len(path) > MAX_DEPTH:
            return ShapeProblem(_dotted(path), f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, dict):
            stack.extend((v, (*path, str(k))) for k, v in item.items())
        elif isinstance(item, (list, tuple)):
            stack.extend((v, (*path, str(i))) for i, v in enumerate(item))
    return None


def _dotted(path: tuple[str, ...]) -> str:
    shown = ".".join(p[:40] for p in path[:8])
    return shown + (f"... ({len(path)} levels)" if len(path) > 8 else "")
