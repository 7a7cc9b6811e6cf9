"""The batch loop: every input file in name order, its rows in batches through ``predict``, one output per file.

Each output is written whole once its file is done, so when a file fails the task fails naming it, and the
outputs of the files before it stay where they are.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..spec.batch import FileType
from . import files

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

Predict = Callable[["pd.DataFrame"], "pd.DataFrame"]


class BatchFileError(RuntimeError):
    """One input file could not be read, predicted or written; the message starts with its name."""


@dataclass(frozen=True)
class BatchPlan:
    source: Any  # ObjectStoragePath of the filled source folder
    destination: Any
    input_type: FileType
    output_type: FileType
    batch_size: int
    file_timeout_s: float = 0  # 0: no limit


@dataclass(frozen=True)
class FileDone:
    input: str
    output: str
    rows: int


def run(plan: BatchPlan, predict: Predict) -> list[FileDone]:
    found = files.inputs(plan.source, plan.input_type)
    if not found:
        log.warning("no %s files in %s: nothing to predict", plan.input_type.value, plan.source)
        return []
    log.info(
        "%d %s file(s) in %s, %d rows per predict call", len(found), plan.input_type.value, plan.source, plan.batch_size
    )
    plan.destination.mkdir(parents=True, exist_ok=True)
    done: list[FileDone] = []
    for number, path in enumerate(found, start=1):
        try:
            done.append(_one_file(plan, predict, path, f"file {number}/{len(found)}"))
        except Exception as exc:
            kept = f"; the outputs of the {len(done)} file(s) before it are kept" if done else ""
            raise BatchFileError(f"{path.name}: {type(exc).__name__}: {exc}{kept}") from exc
    log.info("done: %d file(s), %d rows, written to %s", len(done), sum(d.rows for d in done), plan.destination)
    return done


def _one_file(plan: BatchPlan, predict: Predict, path: Any, label: str) -> FileDone:
    import pandas as pd

    started = time.monotonic()
    frame = files.read(path, plan.input_type)
    total = len(frame)
    parts = []
    for start in range(0, total, plan.batch_size):
        chunk = frame.iloc[start : start + plan.batch_size]
        predicted = predict(chunk)
        parts.append(predicted)
        log.info("%s %s: %d/%d rows", label, path.name, min(start + plan.batch_size, total), total)
        _check_time(plan, started)
    output = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    target = plan.destination / files.output_name(path.name, plan.output_type)
    files.write(output, target, plan.output_type)
    log.info("%s %s: wrote %s (%d rows)", label, path.name, target, len(output))
    return FileDone(path.name, target.name, total)


def _check_time(plan: BatchPlan, started: float) -> None:
    if plan.file_timeout_s and time.monotonic() - started > plan.file_timeout_s:
        raise TimeoutError(f"took longer than task_timeout ({plan.file_timeout_s:g} s)")
