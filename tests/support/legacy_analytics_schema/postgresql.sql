-- Analytics store, PostgreSQL dialect. Idempotent: every statement may run again on an existing database.
-- The advisory lock serialises concurrent first runs: CREATE TABLE IF NOT EXISTS alone can still race on
-- PostgreSQL's catalog (duplicate pg_type) when two workers create the same table at the same instant.
SELECT pg_advisory_xact_lock(727465917);

CREATE TABLE IF NOT EXISTS builds (
    id          BIGSERIAL PRIMARY KEY,
    automation  TEXT NOT NULL,
    model_id    TEXT NOT NULL,
    dag_run_id  TEXT NOT NULL,
    build_id    TEXT,
    status      TEXT NOT NULL,
    "commit"    TEXT,
    image       TEXT,
    artifact    TEXT,
    started     TIMESTAMP WITH TIME ZONE,
    finished    TIMESTAMP WITH TIME ZONE
);

CREATE TABLE IF NOT EXISTS build_metrics (
    id          BIGSERIAL PRIMARY KEY,
    automation  TEXT NOT NULL,
    model_id    TEXT NOT NULL,
    dag_run_id  TEXT NOT NULL,
    build_id    TEXT NOT NULL,
    "commit"    TEXT,
    metric_name TEXT NOT NULL,
    value       DOUBLE PRECISION NOT NULL,
    logged_at   TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE IF NOT EXISTS gate_verdicts (
    id          BIGSERIAL PRIMARY KEY,
    automation  TEXT NOT NULL,
    model_id    TEXT NOT NULL,
    dag_run_id  TEXT NOT NULL,
    build_id    TEXT,
    "condition" TEXT NOT NULL,
    metric_name TEXT,
    actual      DOUBLE PRECISION,
    direction   TEXT,
    threshold   DOUBLE PRECISION,
    passed      BOOLEAN NOT NULL,
    forced      BOOLEAN NOT NULL,
    note        TEXT,
    "at"        TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE IF NOT EXISTS deployments (
    id          BIGSERIAL PRIMARY KEY,
    automation  TEXT NOT NULL,
    model_id    TEXT NOT NULL,
    variation   TEXT NOT NULL,
    environment TEXT NOT NULL,
    build_id    TEXT,
    target      TEXT,
    status      TEXT NOT NULL,
    dag_run_id  TEXT,
    "at"        TIMESTAMP WITH TIME ZONE NOT NULL
);

-- One row per MetricBasedTrigger check: the value's history, and the state that keeps triggers from storming.
CREATE TABLE IF NOT EXISTS metric_checks (
    id          BIGSERIAL PRIMARY KEY,
    automation  TEXT NOT NULL,
    model_id    TEXT NOT NULL,
    dag_run_id  TEXT NOT NULL,
    "at"        TIMESTAMP WITH TIME ZONE NOT NULL,
    value       DOUBLE PRECISION,
    threshold   DOUBLE PRECISION,
    direction   TEXT NOT NULL,
    crossed     BOOLEAN,
    fired       BOOLEAN NOT NULL,
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
