"""``automations.common``: the names of the SDKs' ``automations.common`` submodule."""

from .spec import Action, ThresholdDirection

__all__ = ["Action", "ThresholdDirection"]
