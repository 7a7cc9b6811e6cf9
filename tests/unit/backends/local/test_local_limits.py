"""The local build's memory limit: which resources give which limit, and that the limit really holds."""

from __future__ import annotations

import sys

import pytest

from automations.backends.local import limits
from automations.backends.local.process import run_streaming
from automations.settings import get_settings
from automations.spec.resources import ClientResources, CpuResources, GpuResources

pytestmark = pytest.mark.unit


def test_the_limit_comes_from_the_build_resources():
    local = get_settings().local
    assert limits.memory_limit(CpuResources(memory="256Mi"), local) == 256 * 2**20
    assert limits.memory_limit(CpuResources(), local) == 2 * 2**30  # the default 2Gi
    assert limits.memory_limit(ClientResources(instance="x", cpu_resources=CpuResources(memory="1Gi")), local) == 2**30
    assert limits.memory_limit(ClientResources(instance="no-such-instance"), local) is None
    assert limits.memory_limit(GpuResources(gpu_type="NVIDIA_T4_1_4_15"), local) is None
    assert (limits.describe(2**30), limits.describe(256 * 2**20)) == ("1Gi", "256Mi")


def test_an_allocation_past_the_limit_fails_in_the_child_only(tmp_path):
    hog = "b = bytearray(600 * 2**20); print('allocated')"
    limited = run_streaming(
        [sys.executable, "-c", hog], {}, tmp_path, emit=lambda line: None, preexec_fn=limits.limiter(300 * 2**20)
    )
    assert limited.code != 0 and "MemoryError" in limited.tail
    free = run_streaming(
        [sys.executable, "-c", hog], {}, tmp_path, emit=lambda line: None, preexec_fn=limits.limiter(None)
    )
    assert free.code == 0 and "allocated" in free.tail
