"""Collect a build's metrics: the dict ``build()`` returned merged with qwak's / frogml's in-process stores."""

from __future__ import annotations

import math
import sys
from typing import Any, Optional

from .libraries import logged


def library_metrics(modules: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """Metrics logged through qwak.log_metric / frogml.log_metric in this process."""
    return logged(sys.modules if modules is None else modules, "metrics")


def library_params(modules: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """Params logged through qwak.log_param / frogml.log_param in this process."""
    return logged(sys.modules if modules is None else modules, "params")


def as_param(value: Any) -> Any:
    """A param as JSON keeps it: numbers, strings and booleans as they are, anything else as its text."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()  # numpy scalar
        except (TypeError, ValueError):
            pass
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def collect_params(build_parameters: dict[str, Any], modules: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """BuildSpecifications.parameters, then what log_param logged (which wins on a clash)."""
    raw = {**build_parameters, **library_params(modules)}
    return {str(name): as_param(value) for name, value in raw.items()}


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
