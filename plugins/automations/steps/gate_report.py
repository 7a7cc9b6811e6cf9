"""How the gate's verdict reads: the table metric_gate logs, and the sentence skip_deploy logs."""

from __future__ import annotations

from typing import Optional

from .verdict import NO_CONDITIONS, ConditionResult, Verdict


def _fmt(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.6g}"


def render_table(verdict: Verdict) -> str:
    header = ("condition", "metric", "actual", "direction", "threshold", "passed")
    rows = [
        (c.condition, c.metric_name, _fmt(c.actual), c.direction, _threshold_cell(c), _passed_cell(c))
        for c in verdict.conditions
    ] or [(NO_CONDITIONS, "-", "-", "-", "-", "yes")]
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    lines = [_line(row, widths) for row in (header, *rows)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    outcome = "DEPLOY" if verdict.passed else "SKIP DEPLOY"
    lines.append(f"verdict: {outcome}" + (" (forced by force_deploy: override)" if verdict.forced else ""))
    return "\n".join(lines)


def _line(row: tuple, widths: list[int]) -> str:
    return "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()


def _threshold_cell(result: ConditionResult) -> str:
    if result.threshold is None:
        return result.source or "-"
    return f"{_fmt(result.threshold)} ({result.source})"


def _passed_cell(result: ConditionResult) -> str:
    if result.error:
        return "ERROR"
    return "yes" if result.passed else "no"


def explain_skip(verdict: Optional[Verdict]) -> str:
    """The sentence skip_deploy logs: which metric missed which threshold in which direction, and by how much."""
    if verdict is None:
        return "metric_gate pushed no verdict, so there is nothing to explain"
    failed = [c for c in verdict.conditions if not c.passed]
    if not failed:
        return "every deployment condition passed; skip_deploy should not have run"
    return "; ".join(_explain_one(c) for c in failed)


def _explain_one(c: ConditionResult) -> str:
    if c.error:
        return f"{c.condition} could not be evaluated: {c.error}"
    if c.threshold is None:
        return f"{c.metric_name} = {_fmt(c.actual)} was not compared: {c.note or 'no threshold'}"
    return (
        f"{c.metric_name} = {_fmt(c.actual)} is not {c.direction} ({c.symbol}) the threshold "
        f"{_fmt(c.threshold)} ({c.source})"
    )
