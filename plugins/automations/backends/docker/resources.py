"""Turn a build's resources (CpuResources, GpuResources, ClientResources) into Docker limits. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass

from ...placement_tables import instance_size
from ...quantities import memory_bytes
from ...settings import DockerSettings
from ...spec.resources import ClientResources, CpuResources, GpuResources

__all__ = ["DockerResources", "clamp_nano_cpus", "for_instance", "for_resources", "memory_bytes"]

DEFAULT_GPU_CPUS = 2.0
DEFAULT_GPU_MEMORY = "8Gi"


@dataclass(frozen=True)
class DockerResources:
    cpus: float
    mem_limit: int  # bytes: the engine takes ints unambiguously (its "2g" strings are 1000- or 1024-based by tool)
    gpus: int = 0

    @property
    def nano_cpus(self) -> int:
        return int(self.cpus * 1_000_000_000)


def clamp_nano_cpus(nano_cpus: int, engine_cpus: int) -> int:
    """The engine refuses a CPU limit above its own CPU count ("Range of CPUs is from 0.01 to 2.00"), so an
    instance size meant for a bigger machine gets all the CPUs this engine has instead of failing."""
    return min(nano_cpus, engine_cpus * 1_000_000_000)


def for_resources(
    resources: CpuResources | GpuResources | ClientResources, settings: DockerSettings
) -> DockerResources:
    if isinstance(resources, CpuResources):
        return DockerResources(resources.cpu_fraction, memory_bytes(resources.memory))
    if isinstance(resources, GpuResources):
        return DockerResources(DEFAULT_GPU_CPUS, memory_bytes(DEFAULT_GPU_MEMORY), resources.gpu_amount)
    return _for_client(resources, settings)


def _for_client(resources: ClientResources, settings: DockerSettings) -> DockerResources:
    cpus, memory, gpus = for_instance(resources.instance, settings)
    if resources.cpu_resources is not None:  # explicit sizes inside ClientResources win over the instance table
        cpus, memory = resources.cpu_resources.cpu_fraction, resources.cpu_resources.memory
    if resources.gpu_resources is not None:
        gpus = resources.gpu_resources.gpu_amount
    return DockerResources(cpus, memory_bytes(memory), gpus)


def for_instance(instance: str, settings: DockerSettings) -> tuple[float, str, int]:
    """(cpus, memory, gpus) of a named instance size; a Docker engine has no node pools, so only sizes matter."""
    return instance_size(instance, settings)
