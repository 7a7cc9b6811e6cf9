"""The lower-case DNS spelling of a name: what a model id or variation becomes inside a Kubernetes object name.

Backend-neutral, so the kubernetes backend (``backends/kubernetes/names.py``, which adds the length and first-letter
rules) and the loader's cross-file check (``variation_names.py``) spell names by this one rule, and a collision
the loader reports is one the Deployment names really have.
"""

from __future__ import annotations

import re

_NOT_DNS = re.compile(r"[^a-z0-9-]+")


def dns_spelling(text: str) -> str:
    """Lower-case; each run of other characters than [a-z0-9-] becomes one '-'; no '-' at either end ("" when
    nothing is left)."""
    return _NOT_DNS.sub("-", text.lower()).strip("-")
