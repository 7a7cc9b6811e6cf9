"""A model's ``schema()`` (qwak-core / frogml ``ModelSchema`` with ``ExplicitFeature``, ``InferenceOutput``, ...),
checked and described for the build's result.

Qwak's build serializes the schema (``to_proto()``) and shows it with the build; serving does not reject requests
by it. Here: the build calls ``schema()`` after ``build()``, lets the library serialize it the same way (which is
where an unsupported feature type fails), and records its entities, inputs and outputs as plain JSON. A schema that
fails is a warning, never a failed build.
"""

from __future__ import annotations

from typing import Any, Optional

_PARTS = (("entities", "_entities"), ("inputs", "_inputs"), ("outputs", "_outputs"))


def _type_name(value: Any) -> Optional[str]:
    if value is None:
        return None
    return getattr(value, "__name__", None) or str(value)


def _field(item: Any) -> dict[str, Any]:
    described: dict[str, Any] = {"kind": type(item).__name__, "name": str(getattr(item, "name", ""))}
    if hasattr(item, "type"):
        described["type"] = _type_name(item.type)
    entity = getattr(item, "entity", None)
    if entity is not None:
        described["entity"] = str(getattr(entity, "name", entity))
    return described


def describe(schema: Any) -> dict[str, list[dict[str, Any]]]:
    """{"entities", "inputs", "outputs"}: each a list of {"kind", "name", "type"?, "entity"?}."""
    return {part: [_field(item) for item in getattr(schema, attr, None) or []] for part, attr in _PARTS}


def problems(described: dict[str, list[dict[str, Any]]]) -> list[str]:
    out = []
    for part, items in described.items():
        names = [item["name"] for item in items]
        if any(not name for name in names):
            out.append(f"schema(): an item of {part} has no name")
        duplicates = sorted({n for n in names if n and names.count(n) > 1})
        if duplicates:
            out.append(f"schema(): {part} names {', '.join(duplicates)} more than once")
    return out


def model_schema(model: Any) -> tuple[Optional[dict[str, Any]], list[str]]:
    """(the described schema or None when the model defines none, warnings)."""
    method = getattr(model, "schema", None)
    if not callable(method):
        return None, []
    try:
        schema = method()
    except Exception as exc:
        return None, [f"schema() raised {type(exc).__name__}: {exc}; the build has no schema"]
    if schema is None:  # QwakModel's own schema() returns None: the model defines none
        return None, []
    warnings = []
    to_proto = getattr(schema, "to_proto", None)
    if callable(to_proto):
        try:
            to_proto()  # the library's own serialization: what Qwak's build would have refused
        except Exception as exc:
            warnings.append(f"schema() cannot be serialized by its library ({type(exc).__name__}: {exc})")
    described = describe(schema)
    return described, warnings + problems(described)
