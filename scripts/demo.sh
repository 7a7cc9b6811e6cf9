#!/usr/bin/env bash
# make demo: the example automation, end to end on the embedded default (local backend, SQLite, file:// store).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

export AIRFLOW_HOME="${AIRFLOW_HOME:-$ROOT/.airflow}"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
export PYTHONPATH="$ROOT/plugins"
export AUTOMATIONS_BACKEND=local
export AUTOMATIONS_STATE_DIR="${AUTOMATIONS_STATE_DIR:-$ROOT/.state}"
export AUTOMATIONS_DIR="${AUTOMATIONS_DIR:-$ROOT/include/automations}"
PY="$ROOT/.venv/bin/python"
LOG_DIR="$AUTOMATIONS_STATE_DIR/demo"
mkdir -p "$LOG_DIR" "$AIRFLOW_HOME"

step() { printf '\n==> %s\n' "$*"; }

step "Validating definitions in ${AUTOMATIONS_DIR#$ROOT/}"
"$PY" -m automations validate

step "Preparing the Airflow metadata database (SQLite in ${AIRFLOW_HOME#$ROOT/})"
"$ROOT/.venv/bin/airflow" db migrate >"$LOG_DIR/db-migrate.log" 2>&1 || { tail -20 "$LOG_DIR/db-migrate.log"; exit 1; }

step "Publishing include/models/example_classifier as a local git repository"
commit=$("$PY" scripts/publish_demo_repo.py "$AUTOMATIONS_STATE_DIR/demo/models.git")
echo "commit $commit"

step "Running the example_classifier DAG (clone -> build -> metric_gate -> deploy); log: ${LOG_DIR#$ROOT/}/dags-test.log"
if ! "$ROOT/.venv/bin/airflow" dags test example_classifier >"$LOG_DIR/dags-test.log" 2>&1; then
  tail -40 "$LOG_DIR/dags-test.log"; exit 1
fi

step "Result"
"$PY" scripts/demo_report.py example_classifier

printf '\nOpen this run, its logs and the trigger form in the Airflow UI:  make airflow\n'
printf '(the same home, so the demo run is there; it prints the URL and the login, Ctrl-C stops it)\n'
