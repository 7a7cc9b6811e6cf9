"""Hypothesis profiles and the fuzz counters.

``ci`` (the default, in ``make test``) runs 60 examples per property, a few hundred in all; ``fuzz`` (``make fuzz``)
runs 2,000 per property: 10,000 in all over the five open-ended ones (the duplicate-names property has only a
few dozen distinct inputs, which Hypothesis exhausts). The counters are printed at the end of the run, so the
figures are what that run measured.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from tests.fuzz import stats

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("ci", max_examples=60, derandomize=True, database=None, **_COMMON)
settings.register_profile("fuzz", max_examples=2_000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_terminal_summary(terminalreporter):
    if stats.COUNTS:
        terminalreporter.write_sep("-", "fuzzed definitions")
        for line in stats.summary_lines():
            terminalreporter.write_line(line)
