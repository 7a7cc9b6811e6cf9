"""Shared base for every definition class: strict, immutable, and tolerant of an explicit ``type:``."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator


class SpecModel(BaseModel):
    """Pydantic base with ``extra="forbid"`` so a typo is an error, never silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)

    # Names a YAML ``type:`` key may carry for this class (the class name is always accepted).
    type_aliases: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def type_names(cls) -> tuple[str, ...]:
        return (cls.__name__, *cls.type_aliases)

    @model_validator(mode="before")
    @classmethod
    def _drop_type_key(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "type" in cls.model_fields or "type" not in data:
            return data
        data = dict(data)
        given = data.pop("type")
        if given not in cls.type_names():
            raise ValueError(f"type {given!r} does not match {cls.__name__} (expected one of {list(cls.type_names())})")
        return data
