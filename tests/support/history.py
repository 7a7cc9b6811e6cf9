"""A realistic analytics history, written through the store's own write API (as the steps write it).

Each automation gets ``builds`` runs: f1_score drifts around the gate's 0.8, runs below it are skipped by the gate,
one build fails, and one deploy is rolled back. The expected facts are returned, computed from the plan here and
not from the store, so tests compare the Models view against an independent oracle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from automations.analytics import BuildRow, BuildStatus, DeploymentRow, DeployStatus, RunKey
from automations.analytics.rows import MetricCheckRow, VerdictRow
from automations.analytics.store import AnalyticsStore

THRESHOLD = 0.8
START = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)


@dataclass
class Expected:
    deployed_build: dict[str, str] = field(default_factory=dict)  # automation -> build serving now
    skipped: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    rolled_back: dict[str, int] = field(default_factory=dict)
    last_run: dict[str, str] = field(default_factory=dict)
    last_result: dict[str, str] = field(default_factory=dict)


def commit_of(name: str, build: int) -> str:
    return hashlib.sha1(f"{name}/{build}".encode()).hexdigest()


def f1_of(index: int, build: int) -> float:
    """A deterministic zig-zag around the threshold: every third build falls below it."""
    return (
        round(0.70 + 0.01 * ((build * 7 + index * 3) % 10), 3)
        if build % 3 == 2
        else round(0.81 + 0.01 * (build % 9), 3)
    )


def seed(
    store: AnalyticsStore, automations: list[str], builds: Sequence[int], last_run_ids: Mapping[str, str] | None = None
) -> Expected:
    """``builds[i]`` runs for ``automations[i]``; 12, 8 and 10 end skipped, rolled back and deployed.

    ``last_run_ids`` names the newest run of an automation after a real Airflow run, so its links lead somewhere.
    """
    expected = Expected()
    for index, (name, count) in enumerate(zip(automations, builds, strict=True)):
        _seed_one(store, index, name, count, expected, (last_run_ids or {}).get(name))
    return expected


def _seed_one(
    store: AnalyticsStore, index: int, name: str, builds: int, expected: Expected, last_run_id: str | None
) -> None:
    model = f"{name}_model"
    for number in range(builds):
        run_id = f"scheduled__{(START + timedelta(days=number)).isoformat()}"
        if number == builds - 1 and last_run_id:
            run_id = last_run_id
        key = RunKey(name, model, run_id, f"{name}-b{number:04d}")
        started = START + timedelta(days=number)
        expected.last_run[name] = run_id
        if number == 4:  # one failed build
            store.record_build(
                BuildRow(
                    key,
                    BuildStatus.failed,
                    commit_of(name, number),
                    started=started,
                    finished=started + timedelta(minutes=3),
                )
            )
            expected.failed[name] = expected.failed.get(name, 0) + 1
            expected.last_result[name] = "failed"
            continue
        f1 = f1_of(index, number)
        store.record_build(
            BuildRow(
                key,
                BuildStatus.succeeded,
                commit_of(name, number),
                started=started,
                finished=started + timedelta(minutes=7),
            ),
            {"f1_score": f1, "accuracy": round(f1 + 0.05, 3)},
        )
        passed = f1 >= THRESHOLD
        note = "" if passed else f"f1_score = {f1} is below the threshold {THRESHOLD}"
        store.record_verdicts(
            key, [VerdictRow("BuildMetric", "f1_score", f1, "ABOVE", THRESHOLD, passed, note)], forced=False
        )
        if not passed:
            expected.skipped[name] = expected.skipped.get(name, 0) + 1
            expected.last_result[name] = "skipped"
            continue
        status = DeployStatus.rolled_back if number == 7 else DeployStatus.deployed
        store.record_deployments(
            [DeploymentRow(key, "default", "production", status, f"http://127.0.0.1:{18000 + index}")], run_id
        )
        if status is DeployStatus.rolled_back:
            expected.rolled_back[name] = expected.rolled_back.get(name, 0) + 1
            expected.last_result[name] = "rolled_back"
        else:
            expected.deployed_build[name] = key.build_id or ""
            expected.last_result[name] = "deployed"


def seed_trigger_checks(
    store: AnalyticsStore, name: str, values: Sequence[float | None], threshold: float
) -> list[bool]:
    """Hourly checks of a BELOW-threshold metric trigger; a check fires when the value first drops below it.

    Returns which checks fired, computed here (the oracle), not read back from the store.
    """
    fired, armed = [], True
    for hour, value in enumerate(values):
        crossed = None if value is None else value < threshold
        fires = bool(crossed) and armed
        armed = (not crossed) if crossed is not None else armed
        fired.append(fires)
        key = RunKey(name, f"{name}_model", f"metric_check__{hour}")
        reason = "query failed" if value is None else ("crossed: started a run" if fires else "no crossing")
        store.record_metric_check(
            MetricCheckRow(key, value, threshold, "BELOW", crossed, fires, reason, START + timedelta(hours=hour))
        )
    return fired
