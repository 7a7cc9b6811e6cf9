"""Automation files written for the real qwak-core 0.7 / frogml 2.1 load here with only their import lines changed,
with the same field values the SDK gives them.

Each file in tests/fixtures/sdk_automations/ runs under the real SDK (in its own venv) and is dumped as JSON; the
same file with ``qwak.automations`` / ``frogml.core.automations`` replaced by ``automations`` goes through our
loader; every field the SDK sets is compared. The few places where we store a value differently on purpose are the
``SAME_MEANING`` rules below, each a documented difference (README "Coming from Qwak / JFrog ML").
"""

from __future__ import annotations

import enum
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from tests.support.loading import load_now

from automations.spec.enums import GpuType
from automations.spec.fields import normalize_memory

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
FIXTURES = HERE.parents[1] / "fixtures" / "sdk_automations"
IMPORT = re.compile(r"^(from\s+)(qwak\.automations|frogml\.core\.automations)(\S*\s+import\b)", re.MULTILINE)
SDK_ONLY = {"id", "is_deleted", "is_sdk_v1", "create_audit", "jfrog_token_id", "platform_url"}


def _gpu_amount(sdk_obj: dict) -> int:
    shape = GpuType(sdk_obj["gpu_type"]).shape
    return sdk_obj["gpu_amount"] or (shape.gpus if shape else 1)


def _empty_autoscaling(value: Any) -> Any:
    if isinstance(value, dict) and value.get("max_replica_count") is None and not value.get("triggers"):
        return None  # the SDK's default AutoScalingConfig() with every field None: no autoscaling
    return value


# (class, field) -> the SDK value as we store it. Everything else must be equal as given.
SAME_MEANING: dict[tuple[str, str], Callable[[Any, dict], Any]] = {
    ("QwakBuildDeploy", "deployment_condition"): lambda v, _: [] if v is None else [v],
    ("FrogmlBuildDeploy", "deployment_condition"): lambda v, _: [] if v is None else [v],
    ("DeploymentSpecifications", "deployment_timeout"): lambda v, _: None if v == 0 else v,
    ("DeploymentSpecifications", "auto_scale_config"): lambda v, _: _empty_autoscaling(v),
    ("DeploymentSpecifications", "memory"): lambda v, _: normalize_memory(v),
    ("CpuResources", "memory"): lambda v, _: normalize_memory(v),
    ("AutoScalingConfig", "min_replica_count"): lambda v, _: 1 if v is None else v,
    ("AutoScalingConfig", "polling_interval"): lambda v, _: 30 if v is None else v,
    ("AutoScalingConfig", "cool_down_period"): lambda v, _: 300 if v is None else v,
    ("GpuResources", "gpu_amount"): lambda _, obj: _gpu_amount(obj),
    ("BuildSpecifications", "main_dir"): lambda v, _: v.strip("/"),
    ("BuildSpecifications", "parameters"): lambda v, _: {k: str(x) for k, x in v.items()},
    ("CustomWebhook", "http_method"): lambda v, _: v.upper(),
    ("BatchJobDataSpecifications", "input_file_type"): lambda v, _: v.lower(),
    ("BatchJobDataSpecifications", "output_file_type"): lambda v, _: v.lower(),
}


def ours_plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return {
            "__class__": type(value).__name__,
            **{k: ours_plain(getattr(value, k)) for k in type(value).model_fields},
        }
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, dict):
        return {k: ours_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [ours_plain(v) for v in value]
    return value


def mismatches(sdk: Any, ours: Any, path: str = "") -> list[str]:
    if isinstance(sdk, dict) and "__class__" in sdk:
        return _object_mismatches(sdk, ours, path)
    if isinstance(sdk, list) and isinstance(ours, list) and len(sdk) == len(ours):
        return [m for i, (s, o) in enumerate(zip(sdk, ours, strict=True)) for m in mismatches(s, o, f"{path}[{i}]")]
    if isinstance(sdk, dict) and isinstance(ours, dict) and sdk.keys() == ours.keys():
        return [m for k in sdk for m in mismatches(sdk[k], ours[k], f"{path}.{k}")]
    equal = sdk == ours and type(sdk) is not bool or sdk is ours
    return [] if equal else [f"{path}: SDK {sdk!r}, ours {ours!r}"]


def _object_mismatches(sdk: dict, ours: Any, path: str) -> list[str]:
    cls = sdk["__class__"]
    if not isinstance(ours, dict) or ours.get("__class__") not in (cls, "QwakBuildDeploy"):
        return [f"{path}: SDK {cls}, ours {ours!r}"]
    found = []
    for field, value in sdk.items():
        if field == "__class__" or field in SDK_ONLY:
            continue
        if field not in ours:
            found.append(f"{path}.{field}: the SDK sets it, we have no such field")
            continue
        rule = SAME_MEANING.get((cls, field))
        found += mismatches(rule(value, sdk) if rule else value, ours[field], f"{path}.{field}")
    return found


def sdk_dump(python: Path, file: Path) -> dict:
    proc = subprocess.run(
        [str(python), str(HERE / "dump_sdk_automations.py"), str(file)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, f"the real SDK rejects {file.name}:\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout)


def ours_load(file: Path, tmp_path: Path) -> dict:
    text = file.read_text()
    changed = IMPORT.sub(lambda m: m[1] + "automations" + m[3], text)
    assert changed != text and "qwak" not in IMPORT.sub("", changed).split("import")[0]
    target = tmp_path / file.name
    target.write_text(changed)
    result = load_now([target])
    assert not result.errors, "\n".join(str(e) for e in result.errors)
    return {a.name: ours_plain(a.spec) for a in result.automations}


FILES = sorted(FIXTURES.glob("*.py"))


@pytest.mark.parametrize("file", FILES, ids=[f.stem for f in FILES])
def test_sdk_file_loads_with_the_same_field_values(file, sdk_pythons, tmp_path):
    sdk = sdk_dump(sdk_pythons[file.stem.split("_")[0]], file)
    ours = ours_load(file, tmp_path)
    assert sdk, f"{file.name} defines no automation under the SDK"
    assert sorted(ours) == sorted(sdk)
    problems = [m for name in sdk for m in mismatches(sdk[name], ours[name], name)]
    assert not problems, "\n".join(problems)


def test_every_fixture_kind_is_covered():
    text = "\n".join(f.read_text() for f in FILES)
    for needle in (
        "GpuResources(",
        "AutoScalingConfig(",
        "CustomWebhook(",
        "MetricBasedTrigger(",
        "DeployedBuildMetric(",
        "BatchExecution(",
    ):
        assert needle in text, needle
    assert {f.stem.split("_")[0] for f in FILES} == {"qwak", "frogml"}


SDK_FIELD_ORDER = """
import dataclasses, json, sys, importlib
mod = importlib.import_module(sys.argv[1])
names = [n for n, v in vars(mod).items() if isinstance(v, type) and dataclasses.is_dataclass(v)
         and v.__module__ == mod.__name__]
print(json.dumps({n: [f.name for f in dataclasses.fields(getattr(mod, n))] for n in names}))
"""


@pytest.mark.parametrize(
    "sdk,module",
    [
        ("qwak", "qwak.automations.automations"),
        ("qwak", "qwak.automations.build_and_deploy_action"),
        ("qwak", "qwak.automations.batch_execution_action"),
        ("frogml", "frogml.core.automations.automations"),
        ("frogml", "frogml.core.automations.build_and_deploy_action"),
    ],
)
def test_positional_order_and_submodule_names_match_the_sdk(sdk, module, sdk_pythons):
    import importlib

    proc = subprocess.run([str(sdk_pythons[sdk]), "-c", SDK_FIELD_ORDER, module], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    ours = importlib.import_module("automations." + module.rsplit(".", 1)[1])
    for name, fields in json.loads(proc.stdout).items():
        if name == "OnBoardingTrigger":  # Qwak's server fires it when a model is created: no meaning here
            continue
        assert hasattr(ours, name), f"automations.{module.rsplit('.', 1)[1]} lacks {name}"
        cls = getattr(ours, name)
        order = list(cls.sdk_fields or cls.model_fields)
        # Positional arguments bind in the SDK's order; fields of our own may only follow all of the SDK's.
        assert order[: len(fields)] == fields, f"{name}: SDK order {fields}, ours {order}"
