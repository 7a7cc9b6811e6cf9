"""``${NAME}`` references: replaced from the variables given, never from the environment behind them."""

from __future__ import annotations

import pytest

from automations.interpolate import UnknownVariable, interpolate

pytestmark = pytest.mark.unit


def test_references_come_from_the_given_variables_only(monkeypatch):
    monkeypatch.setenv("HOST", "from-the-environment")
    value = {"uri": "https://${HOST}/${PATH_PART:-r}.git", "list": ["${HOST}", 3]}
    assert interpolate(value, {"HOST": "given"}) == {"uri": "https://given/r.git", "list": ["given", 3]}
    assert value["uri"] == "https://${HOST}/${PATH_PART:-r}.git"  # the input is left unchanged
    with pytest.raises(UnknownVariable, match=r"\$\{HOST\} is not set"):
        interpolate("${HOST}", {})
