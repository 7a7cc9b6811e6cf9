"""Compute resources for builds and deployments: CPU, GPU, or a named instance size."""

from __future__ import annotations

from typing import Annotated, Optional, Union

from pydantic import Field, Tag

from .base import SpecModel
from .enums import GpuType
from .fields import Memory, PositiveInt
from .polymorphic import discriminator


class Resources(SpecModel):
    """Base of every resources kind."""


class CpuResources(Resources):
    cpu_fraction: float = Field(default=2, gt=0)
    memory: Memory = "2Gi"


class GpuResources(Resources):
    gpu_type: GpuType
    gpu_amount: PositiveInt = 1


class ClientResources(Resources):
    instance: str = Field(min_length=1)
    gpu_resources: Optional[GpuResources] = None
    cpu_resources: Optional[CpuResources] = None


_RESOURCES = {cls.__name__: cls for cls in (CpuResources, GpuResources, ClientResources)}

AnyResources = Annotated[
    Union[
        Annotated[CpuResources, Tag("CpuResources")],
        Annotated[GpuResources, Tag("GpuResources")],
        Annotated[ClientResources, Tag("ClientResources")],
    ],
    discriminator(
        "resources",
        [(("instance",), "ClientResources"), (("gpu_type", "gpu_amount"), "GpuResources")],
        _RESOURCES,
        fallback="CpuResources",
    ),
]
