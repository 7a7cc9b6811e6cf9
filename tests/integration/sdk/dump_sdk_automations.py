"""Run inside a venv holding the real qwak-core or frogml: execute an automation file, print its automations as JSON.

Usage: python dump_sdk_automations.py FILE. Dataclasses become {"__class__": name, field: value}, enums their names.
Only the standard library and the SDK are imported, as in the SDK's own world.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import runpy
import sys


def plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"__class__": type(value).__name__, **fields}
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return {"__repr__": repr(value)}  # datetimes, the proto class AutoScalingPrometheusTrigger uses as a default


def automations(namespace: dict):
    def is_automation(v):
        return dataclasses.is_dataclass(v) and type(v).__name__ == "Automation"

    for value in namespace.values():
        if is_automation(value):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from (v for v in value if is_automation(v))


if __name__ == "__main__":
    found = {a.name: plain(a) for a in automations(runpy.run_path(sys.argv[1]))}
    print(json.dumps(found, sort_keys=True))
