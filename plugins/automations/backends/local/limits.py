"""The memory limit of a local build, from ``build_spec.resources``: an address-space rlimit (RLIMIT_AS).

A local build runs on the Airflow worker itself, with no cgroup of its own: without a limit, a model that
allocates without bound takes the worker (and everything else on the machine) with it. Under RLIMIT_AS an
allocation past the limit fails inside the model's process (Python raises MemoryError), so the build fails with a
message instead of the kernel's OOM killer picking a victim. It bounds virtual memory, not RSS: the default 2Gi is
far above what Python with pandas maps (about 200 MB).
"""

from __future__ import annotations

import re
import resource
from collections.abc import Callable
from typing import Optional

from ...placement_tables import instance_size
from ...settings import LocalSettings
from ...spec.resources import ClientResources, CpuResources

_QUANTITY = re.compile(r"^(?P<amount>\d+)(?P<unit>Mi|Gi)$")  # the spec normalises memory to these


def memory_limit(resources: object, settings: LocalSettings) -> Optional[int]:
    """Bytes the build may map, or None (GPU resources name no memory); instance sizes from ``settings``' tables."""
    memory = None
    if isinstance(resources, CpuResources):
        memory = resources.memory
    elif isinstance(resources, ClientResources) and resources.cpu_resources:
        memory = resources.cpu_resources.memory
    elif isinstance(resources, ClientResources):
        try:
            memory = instance_size(resources.instance, settings)[1]
        except ValueError:
            return None  # an instance size this machine's tables do not know: no limit rather than a guess
    match = _QUANTITY.match(memory or "")
    return int(match["amount"]) * (2**30 if match["unit"] == "Gi" else 2**20) if match else None


def limiter(limit: Optional[int]) -> Optional[Callable[[], None]]:
    """A ``preexec_fn`` that applies ``limit`` in the child before it runs the build (None: no limit)."""
    if limit is None:
        return None

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def describe(limit: int) -> str:
    return f"{limit // 2**30}Gi" if limit % 2**30 == 0 else f"{limit // 2**20}Mi"
