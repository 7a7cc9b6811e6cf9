"""The loader called as an entry point calls it: definition inputs from the settings and the environment of now
(tests change both with monkeypatch before they load)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from automations.definition_inputs import DefinitionInputs
from automations.loader import LoadResult, load
from automations.settings import get_settings


def inputs_now() -> DefinitionInputs:
    return DefinitionInputs.of(get_settings(), os.environ)


def load_now(paths: Iterable[Path], **options: Any) -> LoadResult:
    return load(paths, inputs=inputs_now(), **options)
