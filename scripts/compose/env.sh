#!/usr/bin/env bash
# Make sure docker-compose.yaml's secrets exist: generate the missing ones into the env file (default: .env at the
# repository root, git-ignored) on first start; values already there, or set in the environment, are kept.
# Prints nothing secret.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ENV_FILE="${COMPOSE_ENV_FILE:-$ROOT/.env}"
touch "$ENV_FILE" && chmod 600 "$ENV_FILE"

generate() {  # $1 = name, $2 = python expression for a fresh value
    if grep -q "^$1=" "$ENV_FILE" || [ -n "${!1:-}" ]; then return; fi
    echo "$1=$(python3 -c "import base64, secrets; print($2)")" >>"$ENV_FILE"
    echo "compose env: generated $1 into $ENV_FILE"
}

generate AIRFLOW_JWT_SECRET "secrets.token_urlsafe(48)"
generate AIRFLOW_API_SECRET_KEY "secrets.token_urlsafe(32)"
generate AIRFLOW_FERNET_KEY "base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()"
generate AIRFLOW_ADMIN_PASSWORD "secrets.token_hex(12)"
generate POSTGRES_PASSWORD "secrets.token_hex(16)"
if ! grep -q "^AIRFLOW_UID=" "$ENV_FILE" && [ -z "${AIRFLOW_UID:-}" ]; then
    echo "AIRFLOW_UID=$( [ "$(id -u)" = 0 ] && echo 50000 || id -u)" >>"$ENV_FILE"  # as Airflow's compose docs ask
fi
