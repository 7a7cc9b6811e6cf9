"""Kubernetes resource quantities ("512Mi", "2Gi", "1.5G") as numbers, through the kubernetes client's own parser.

Backend-neutral: the docker backend turns memory into bytes for the engine, the kubernetes backend scales a
per-GPU memory by the GPU count.
"""

from __future__ import annotations

import math
from decimal import Decimal

_BINARY_UNITS = (("Ti", 1024**4), ("Gi", 1024**3), ("Mi", 1024**2), ("Ki", 1024))


def quantity(text: str, what: str = "memory") -> Decimal:
    """The quantity's value in base units; ValueError naming ``what`` for anything Kubernetes would refuse."""
    # Imported here: the kubernetes package loads its whole client (half a second) and DAG parsing needs none of it.
    from kubernetes.utils import parse_quantity

    stripped = str(text).strip()
    try:
        value = parse_quantity(stripped)
    except ValueError:
        value = Decimal("NaN")
    # The client's Decimal() takes "2 Gi" and "Infinity"; the API server refuses both, and negative memory.
    if not value.is_finite() or value < 0 or any(c.isspace() for c in stripped):
        raise ValueError(f"{what} {text!r} is not a quantity like '512Mi' or '2Gi'")
    return value


def memory_bytes(text: str) -> int:
    """``"2Gi"`` -> 2147483648; a fraction of a byte rounds up, as Kubernetes rounds memory."""
    return math.ceil(quantity(text))


def binary_memory(n_bytes: int) -> str:
    """Bytes in the largest binary unit that holds them exactly: 24 * 2**30 -> "24Gi", 1536 * 2**20 -> "1536Mi"."""
    for unit, factor in _BINARY_UNITS:
        if n_bytes % factor == 0 and n_bytes:
            return f"{n_bytes // factor}{unit}"
    return str(n_bytes)


def scale_memory(text: str, factor: int) -> str:
    """``"12Gi"`` x 2 -> ``"24Gi"``: a per-unit memory times a count, in Kubernetes' binary units."""
    return binary_memory(memory_bytes(text) * factor)
