"""Reads of the analytics store for people: what is deployed, how each run ended, and each automation's history.

The Models view and its JSON API call these; they never write. Every query is bounded (the newest rows of one
automation, or one row per automation and variation), so a store with 100,000 builds answers as fast as a new one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from .rows import VerdictRow
from .store import AnalyticsStore

# One row per automation or variation, picked by max(id) over an index rather than a window over every row: on
# 100,000 builds a window function sorts the whole table, the grouped max reads the (automation, id) index.
_DEPLOYED = """SELECT d.automation, d.model_id, d.variation, d.environment, d.build_id, d.target, d."at", b."commit"
    FROM deployments d LEFT JOIN builds b ON b.build_id = d.build_id AND b.status = 'succeeded'
    WHERE d.id IN (SELECT max(id) FROM deployments WHERE status = 'deployed'
                   GROUP BY automation, variation, environment)
    ORDER BY d.automation, d.variation, d.environment"""
_LATEST = "SELECT max(id) FROM builds GROUP BY automation"
_LATEST_BUILD = f"""SELECT automation, model_id, dag_run_id, build_id, status, "commit", started, finished
    FROM builds WHERE id IN ({_LATEST})"""
# The gate verdicts and deploy results of each automation's newest run, in one statement so the newest runs are
# found once: ("verdict", passed, forced, note) and ("deploy", NULL, NULL, status) rows.
_RUN_EVENTS = f"""WITH latest AS (SELECT automation, dag_run_id FROM builds WHERE id IN ({_LATEST}))
    SELECT v.automation, v.dag_run_id, 'verdict', v.passed, v.forced, v.note FROM gate_verdicts v
        JOIN latest l ON l.automation = v.automation AND l.dag_run_id = v.dag_run_id
    UNION ALL
    SELECT d.automation, d.dag_run_id, 'deploy', NULL, NULL, d.status FROM deployments d
        JOIN latest l ON l.automation = d.automation AND l.dag_run_id = d.dag_run_id"""
_CHECKS = """SELECT "at", value, threshold, direction, fired, reason FROM (SELECT id, "at", value, threshold, direction,
    fired, reason FROM metric_checks WHERE automation = :automation ORDER BY id DESC LIMIT :limit) newest ORDER BY id"""
_DEPLOYS = f"""SELECT d.automation, d.dag_run_id, d.status FROM deployments d
    JOIN builds l ON l.automation = d.automation AND l.dag_run_id = d.dag_run_id
    WHERE l.id IN ({_LATEST}) ORDER BY d.id"""
_BUILDS = """SELECT id, dag_run_id, build_id, status, "commit", started, finished FROM builds
    WHERE automation = :automation ORDER BY id DESC LIMIT :limit"""
_METRICS = """SELECT build_id, metric_name, value FROM build_metrics
    WHERE automation = :automation AND id >= :since ORDER BY id"""
_FIRST_METRIC_ID = """SELECT COALESCE(MIN(m.id), 0) FROM build_metrics m
    WHERE m.automation = :automation AND m.build_id IN (SELECT build_id FROM builds
        WHERE automation = :automation ORDER BY id DESC LIMIT :limit)"""
_VERDICTS = """SELECT dag_run_id, "condition", metric_name, actual, direction, threshold, passed, forced, note
    FROM gate_verdicts WHERE automation = :automation AND dag_run_id IN (SELECT dag_run_id FROM builds
        WHERE automation = :automation ORDER BY id DESC LIMIT :limit) ORDER BY id"""
_DEPLOYS = """SELECT variation, environment, build_id, target, status, dag_run_id, "at" FROM deployments
    WHERE automation = :automation ORDER BY id DESC LIMIT :limit"""


@dataclass(frozen=True)
class Deployed:
    """What serves on one variation in one environment: the newest successful deployment."""

    variation: str
    environment: str
    build_id: Optional[str]
    commit: Optional[str]
    endpoint: Optional[str]
    at: Optional[str]


@dataclass(frozen=True)
class RunOutcome:
    """How an automation's newest recorded run ended, in the analytics store's words."""

    dag_run_id: str
    model_id: str
    build_id: Optional[str]
    commit: Optional[str]
    result: str  # deployed | skipped | failed (at build / at deploy) | rolled_back | built
    reason: str


@dataclass(frozen=True)
class Verdict(VerdictRow):
    """A recorded gate verdict, as the gate wrote it, with whether force_deploy overrode it."""

    forced: bool = False


@dataclass(frozen=True)
class BuildEntry:
    dag_run_id: str
    build_id: Optional[str]
    status: str
    commit: Optional[str]
    started: Optional[str]
    finished: Optional[str]
    duration_s: Optional[float]
    metrics: dict[str, float]
    verdicts: tuple[Verdict, ...]
    deployed: bool


@dataclass(frozen=True)
class DeployEntry:
    variation: str
    environment: str
    build_id: Optional[str]
    endpoint: Optional[str]
    status: str
    dag_run_id: Optional[str]
    at: Optional[str]


@dataclass(frozen=True)
class TriggerChecks:
    """A MetricBasedTrigger's checks, oldest first, as parallel lists for plotting (value None: the query failed)."""

    at: tuple[Optional[str], ...]
    value: tuple[Optional[float], ...]
    threshold: tuple[Optional[float], ...]
    direction: Optional[str]
    fired: tuple[bool, ...]
    reason: tuple[str, ...]


@dataclass(frozen=True)
class History:
    """One automation's newest builds (newest first), with their metrics, verdicts and deploys."""

    builds: tuple[BuildEntry, ...]
    deploys: tuple[DeployEntry, ...]
    metric_names: tuple[str, ...] = field(default=())


def deployed_by_automation(store: AnalyticsStore) -> dict[str, list[Deployed]]:
    result: dict[str, list[Deployed]] = defaultdict(list)
    for automation, _model, variation, environment, build_id, target, at, commit in store.fetch(_DEPLOYED):
        result[automation].append(Deployed(variation, environment, build_id, commit, target, iso(at)))
    return dict(result)


def latest_outcomes(store: AnalyticsStore) -> dict[str, RunOutcome]:
    """Each automation's newest build row, told as deployed / skipped / failed with the reason."""
    latest = store.fetch(_LATEST_BUILD)
    if not latest:
        return {}
    verdicts: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    deploys: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for automation, run_id, kind, passed, forced, text in store.fetch(_RUN_EVENTS):
        if kind == "verdict":
            verdicts[(automation, run_id)].append((passed, forced, text))
        else:
            deploys[(automation, run_id)].append((text,))
    outcomes = {}
    for automation, model_id, run_id, build_id, status, commit, _started, _finished in latest:
        result, reason = _outcome(status, verdicts.get((automation, run_id), []), deploys.get((automation, run_id), []))
        outcomes[automation] = RunOutcome(run_id, model_id, build_id, commit, result, reason)
    return outcomes


def automation_history(store: AnalyticsStore, automation: str, limit: int = 100) -> History:
    params = {"automation": automation, "limit": limit}
    builds = store.fetch(_BUILDS, params)
    since = store.fetch(_FIRST_METRIC_ID, params)[0][0]
    metrics: dict[Optional[str], dict[str, float]] = defaultdict(dict)
    for build_id, name, value in store.fetch(_METRICS, {"automation": automation, "since": since}):
        metrics[build_id][name] = float(value)
    verdicts: dict[str, list[Verdict]] = defaultdict(list)
    for run_id, *rest in store.fetch(_VERDICTS, params):
        verdicts[run_id].append(_verdict(rest))
    deploys = tuple(DeployEntry(v, e, b, t, s, r, iso(at)) for v, e, b, t, s, r, at in store.fetch(_DEPLOYS, params))
    deployed_builds = {d.build_id for d in deploys if d.status == "deployed"}
    entries = tuple(
        BuildEntry(
            run_id,
            build_id,
            status,
            commit,
            iso(started),
            iso(finished),
            _duration(started, finished),
            metrics.get(build_id, {}),
            tuple(verdicts.get(run_id, [])),
            build_id in deployed_builds,
        )
        for _id, run_id, build_id, status, commit, started, finished in builds
    )
    names = sorted({name for values in metrics.values() for name in values})
    return History(entries, deploys, tuple(names))


def trigger_checks(store: AnalyticsStore, automation: str, limit: int = 500) -> Optional[TriggerChecks]:
    """The newest ``limit`` checks of the automation's metric trigger, or None when it has never been checked."""
    rows = store.fetch(_CHECKS, {"automation": automation, "limit": limit})
    if not rows:
        return None
    return TriggerChecks(
        tuple(iso(r[0]) for r in rows),
        tuple(_float(r[1]) for r in rows),
        tuple(_float(r[2]) for r in rows),
        rows[-1][3],
        tuple(bool(r[4]) for r in rows),
        tuple(str(r[5]) for r in rows),
    )


def _outcome(status: str, verdicts: list[tuple], deploys: list[tuple]) -> tuple[str, str]:
    if status != "succeeded":
        return "failed", "the build failed"
    failed_conditions = [note for passed, forced, note in verdicts if not passed and not forced]
    if deploys:
        statuses = {row[0] for row in deploys}
        for state in ("rolled_back", "failed"):
            if state in statuses:
                return state, f"the deploy ended {state.replace('_', ' ')}"
        return "deployed", "forced past the gate" if any(row[1] for row in verdicts) else "passed the gate"
    if failed_conditions:
        return "skipped", "; ".join(note for note in failed_conditions if note) or "the gate did not pass"
    return "built", "no deploy recorded"


def _verdict(row: list[Any]) -> Verdict:
    condition, metric, actual, direction, threshold, passed, forced, note = row
    return Verdict(
        condition, metric, _float(actual), direction, _float(threshold), bool(passed), note or "", bool(forced)
    )


def _float(value: Any) -> Optional[float]:
    return None if value is None else float(value)


def iso(value: Any) -> Optional[str]:
    """Timestamps as ISO-8601 text: PostgreSQL returns datetimes, SQLite the text it was given."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _duration(started: Any, finished: Any) -> Optional[float]:
    if started is None or finished is None:
        return None
    start, end = (v if isinstance(v, datetime) else datetime.fromisoformat(str(v)) for v in (started, finished))
    return round((end - start).total_seconds(), 1)
