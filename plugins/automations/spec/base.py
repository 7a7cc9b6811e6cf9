"""Shared base for every definition class: strict, immutable, tolerant of an explicit ``type:``, and callable the way
Qwak's SDK dataclasses are (positional arguments in the SDK's field order)."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

log = logging.getLogger(__name__)


class SpecModel(BaseModel):
    """Pydantic base with ``extra="forbid"`` so a typo is an error, never silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)

    # Names a YAML ``type:`` key may carry for this class (the class name is always accepted).
    type_aliases: ClassVar[tuple[str, ...]] = ()
    # The SDK dataclass's field order, for positional arguments (qwak-core 0.7 / frogml 2.1); default: ours.
    sdk_fields: ClassVar[tuple[str, ...]] = ()
    # Fields only the SDK's server protocol uses: accepted, ignored, and warned about.
    sdk_only_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **data: Any) -> None:
        if args:
            data = _positional_to_keywords(type(self), args, data)
        super().__init__(**data)

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

    @model_validator(mode="before")
    @classmethod
    def _drop_sdk_only_fields(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not cls.sdk_only_fields:
            return data
        ignored = [name for name in cls.sdk_only_fields if name in data]
        if not ignored:
            return data
        log.warning(
            "%s: ignoring %s (used only by Qwak's server protocol; they have no meaning here)",
            cls.__name__,
            ", ".join(ignored),
        )
        return {key: value for key, value in data.items() if key not in ignored}


def _positional_to_keywords(cls: type[SpecModel], args: tuple[Any, ...], data: dict[str, Any]) -> dict[str, Any]:
    order = cls.sdk_fields or tuple(cls.model_fields)
    if len(args) > len(order):
        raise TypeError(f"{cls.__name__}() takes at most {len(order)} positional arguments ({', '.join(order)})")
    merged = dict(data)
    for name, value in zip(order, args, strict=False):  # fewer args than fields is the usual case
        if name in merged:
            raise TypeError(f"{cls.__name__}() got multiple values for argument {name!r}")
        merged[name] = value
    return merged
