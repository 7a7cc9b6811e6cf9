"""The real qwak-core and frogml (tests/support/sdk_venvs.py builds and caches their venvs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.sdk_venvs import sdk_pythons as _sdk_pythons


@pytest.fixture(scope="session")
def sdk_pythons() -> dict[str, Path]:
    """{"qwak": python with qwak-core, "frogml": python with frogml}."""
    return _sdk_pythons(("qwak", "frogml"))
