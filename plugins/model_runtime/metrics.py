"""Collect a build's metrics: the dict ``build()`` returned merged with qwak's / frogml's in-process stores."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any, Optional

# (module that holds the store, how to read it). Read only when the model already imported the module:
# importing qwak/frogml here would cost seconds for models that do not use them.
_STORES: tuple[tuple[str, Callable[[Any], dict]], ...] = (
    ("qwak.model.experiment_tracking", lambda m: m.QwakExperimentTracking().get_metrics()),
    ("frogml.sdk.model.model_version_tracking", lambda m: m.FrogmlModelVersionTracking().get_metrics()),
)


def library_metrics(modules: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """Metrics logged through qwak.log_metric / frogml.log_metric in this process."""
    modules = sys.modules if modules is None else modules
    found: dict[str, Any] = {}
    for name, read in _STORES:
        module = modules.get(name)
        if module is None:
            continue
        try:
            found.update(read(module) or {})
        except Exception as exc:  # another library version: say so, keep the other sources
            print(f"model_runtime: could not read metrics from {name}: {exc!r}")
    return found


def as_number(value: Any) -> Optional[float]:
    """A finite float for ints, floats, numpy scalars and numeric strings (qwak types metrics int|str); else None."""
    if isinstance(value, bool):
        return None  # True is an int in Python, but not a metric anyone can gate on meaningfully
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()  # numpy scalar
        except (TypeError, ValueError):
            return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def collect(returned: Any, modules: Optional[dict[str, Any]] = None) -> dict[str, float]:
    """Numeric metrics from the libraries' stores and ``build()``'s return value (which wins on a clash)."""
    raw = dict(library_metrics(modules))
    if isinstance(returned, dict):
        raw.update(returned)
    elif returned is not None:
        print(f"model_runtime: build() returned {type(returned).__name__}, not a dict; ignoring it")
    metrics: dict[str, float] = {}
    for name, value in raw.items():
        number = as_number(value)
        if number is None:
            print(f"model_runtime: WARNING metric {name!r}={value!r} is not a finite number; dropped")
        else:
            metrics[str(name)] = number
    return metrics
