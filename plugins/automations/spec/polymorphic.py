"""Recognise which class a YAML mapping means, by an explicit ``type:`` or by the fields it carries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Discriminator

from .base import SpecModel

Rule = tuple[Iterable[str], str]


def discriminator(
    owner: str, rules: list[Rule], classes: dict[str, type[SpecModel]], fallback: str | None = None
) -> Discriminator:
    """A pydantic Discriminator: instances by class; mappings by ``type``, else by the first rule whose keys appear."""

    aliases = {alias: name for name, cls in classes.items() for alias in cls.type_names()}

    def pick(value: Any) -> str | None:
        if isinstance(value, BaseModel):
            return type(value).__name__ if type(value).__name__ in classes else None
        if not isinstance(value, dict):
            return None
        if "type" in value:
            return aliases.get(str(value["type"]))
        for keys, name in rules:
            if any(key in value for key in keys):
                return name
        return fallback

    expected = ", ".join(sorted(aliases))
    return Discriminator(
        pick,
        custom_error_type="unknown_kind",
        custom_error_message=f"cannot tell which kind of {owner} this is; "
        f"give its fields or 'type:' (one of {expected})",
    )
