"""Definition problems as users read them: ``<file>: <field.path>: <reason>``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .spec import __all__ as _CLASS_NAMES

_NOISE_PREFIXES = ("Value error, ", "Assertion failed, ")


@dataclass(frozen=True)
class DefinitionError:
    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {_one_line(self.path) or '<definition>'}: {_one_line(self.reason)}"


def _one_line(text: str) -> str:
    # Keys and values come from the user's file: a newline or NUL in them must not break "one line per problem".
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _clean_loc(loc: Iterable[Any]) -> str:
    # Discriminated unions put the chosen class (or "tagged-union[...]") into the path; users never wrote those.
    parts = [
        repr(p) if isinstance(p, str) and (not p or "." in p or p != p.strip()) else str(p)
        for p in loc
        if not (isinstance(p, str) and (p in _CLASS_NAMES or p.startswith(("tagged-union[", "list["))))
    ]
    return ".".join(parts)


def _clean_msg(msg: str) -> str:
    for prefix in _NOISE_PREFIXES:
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    return msg


def from_validation_error(file: Path | str, exc: ValidationError, prefix: str = "") -> list[DefinitionError]:
    errors = []
    for item in exc.errors():
        loc = _clean_loc(item["loc"])
        path = ".".join(p for p in (prefix, loc) if p)
        errors.append(DefinitionError(str(file), path, _clean_msg(item["msg"])))
    return errors


class AutomationDefinitionError(Exception):
    """Raised (only by the errors DAG file) so every invalid definition shows as one Airflow import error."""

    def __init__(self, errors: list[DefinitionError]):
        self.errors = errors
        lines = "\n".join(str(e) for e in errors)
        super().__init__(f"{len(errors)} invalid automation definition(s):\n{lines}")
