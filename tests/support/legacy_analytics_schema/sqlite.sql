-- Analytics store, SQLite dialect (the embedded default). Idempotent: every statement may run again on an existing database.
-- Same tables and columns as postgresql.sql; SQLite's own spellings for identity, booleans and timestamps.

CREATE TABLE IF NOT EXISTS builds (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    automation  TEXT NOT NULL,
    model_id    TEXT NOT NULL,
    dag_run_id  TEXT NOT NULL,
    build_id    TEXT,
    status      TEXT NOT NULL,
    "commit"    TEXT,
    image       TEXT,
    artifact    TEXT,
    started     TEXT,
    finished    TEXT
);

CREATE TABLE IF NOT EXISTS build_metrics (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    automation  TEXT NOT NULL,
    model_id    TEXT NOT NULL,
    dag_run_id  TEXT NOT NULL,
    build_id    TEXT NOT NULL,
    "commit"    TEXT,
    metric_name TEXT NOT NULL,
    value       REAL NOT NULL,
    logged_at   TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS gate_verdicts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    automation  TEXT NOT NULL,
    model_id    TEXT NOT NULL,
    dag_run_id  TEXT NOT NULL,
    build_id    TEXT,
    "condition" TEXT NOT NULL,
    metric_name TEXT,
    actual      REAL,
    direction   TEXT,
    threshold   REAL,
    passed      INTEGER NOT NULL,
    forced      INTEGER NOT NULL,
    note        TEXT,
    "at"        TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS deployments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    automation  TEXT NOT NULL,
    model_id    TEXT NOT NULL,
    variation   TEXT NOT NULL,
    environment TEXT NOT NULL,
    build_id    TEXT,
    target      TEXT,
    status      TEXT NOT NULL,
    dag_run_id  TEXT,
    "at"        TEXT NOT NULL
);

-- One row per MetricBasedTrigger check: the value's history, and the state that keeps triggers from storming.
CREATE TABLE IF NOT EXISTS metric_checks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    automation  TEXT NOT NULL,
    model_id    TEXT NOT NULL,
    dag_run_id  TEXT NOT NULL,
    "at"        TEXT NOT NULL,
    value       REAL,
    threshold   REAL,
    direction   TEXT NOT NULL,
    crossed     INTEGER,
    fired       INTEGER NOT NULL,
    reason      TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS metric_checks_automation ON metric_checks (automation, id);
CREATE INDEX IF NOT EXISTS build_metrics_build ON build_metrics (build_id, metric_name);
CREATE INDEX IF NOT EXISTS builds_build ON builds (build_id);
CREATE INDEX IF NOT EXISTS deployments_variation ON deployments (model_id, variation, status);
CREATE INDEX IF NOT EXISTS gate_verdicts_run ON gate_verdicts (automation, dag_run_id);
-- The Models view reads each automation's newest rows first.
CREATE INDEX IF NOT EXISTS builds_automation ON builds (automation, id);
CREATE INDEX IF NOT EXISTS build_metrics_automation ON build_metrics (automation, id);
CREATE INDEX IF NOT EXISTS deployments_automation ON deployments (automation, id);
CREATE INDEX IF NOT EXISTS deployments_run ON deployments (automation, dag_run_id);
