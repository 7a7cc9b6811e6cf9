"""Kubernetes quantities through the client's parser: the forms our tables and specs use, and what is refused."""

from __future__ import annotations

import pytest

from automations.quantities import binary_memory, memory_bytes, scale_memory

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2Gi", 2 * 2**30),
        ("512Mi", 512 * 2**20),
        ("3Ki", 3072),
        ("1Ti", 2**40),
        ("1024", 1024),
        ("0", 0),
        (" 2Gi ", 2 * 2**30),  # YAML values may carry spaces
        ("1.5Gi", 1536 * 2**20),
        ("2G", 2_000_000_000),  # decimal units are Kubernetes quantities too
        ("1e3", 1000),
        ("1500m", 2),  # a fraction of a byte rounds up, as Kubernetes rounds memory
    ],
)
def test_memory_bytes(text, expected):
    assert memory_bytes(text) == expected


@pytest.mark.parametrize("text", ["lots", "", "2 Gi", "-1Gi", "Infinity", "0x10", "2GB", "2ki"])
def test_memory_bytes_refuses_what_kubernetes_refuses(text):
    with pytest.raises(ValueError, match="is not a quantity like '512Mi' or '2Gi'"):
        memory_bytes(text)


@pytest.mark.parametrize(
    ("n_bytes", "expected"),
    [(24 * 2**30, "24Gi"), (1536 * 2**20, "1536Mi"), (3 * 1024, "3Ki"), (1000, "1000"), (0, "0"), (2**40, "1Ti")],
)
def test_binary_memory_uses_the_largest_exact_unit(n_bytes, expected):
    assert binary_memory(n_bytes) == expected


@pytest.mark.parametrize(
    ("per_unit", "count", "expected"), [("12Gi", 2, "24Gi"), ("768Mi", 4, "3Gi"), ("12G", 1, "11718750Ki")]
)
def test_scale_memory(per_unit, count, expected):
    assert scale_memory(per_unit, count) == expected
