"""Compute resources for builds and deployments: CPU, GPU, or a named instance size."""

from __future__ import annotations

from typing import Annotated, Any, Optional, Union

from pydantic import Field, Tag, model_validator

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

    @model_validator(mode="before")
    @classmethod
    def _sdk_amount_default(cls, data: Any) -> Any:
        # The SDK's default is None (sent as 0, which Qwak reads as one GPU); an instance-style type names its count.
        if not isinstance(data, dict) or data.get("gpu_amount") not in (None, 0):
            return data
        try:
            shape = GpuType(str(data.get("gpu_type"))).shape
        except ValueError:
            shape = None  # the field validator reports the unknown type
        return {**data, "gpu_amount": shape.gpus if shape else 1}


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
