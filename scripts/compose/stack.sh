#!/usr/bin/env bash
# docker-compose.yaml for users and tests:  stack.sh up | down | ps | logs [SERVICE] | compose ARGS...
#   up    secrets into .env when missing (env.sh), build the Airflow image, start, wait until every component is
#         healthy, print the URL and the login
#   down  remove containers, network and volumes (`down -v`)
# STANDINS=1 builds and uses the Debian stand-ins of the base images (scripts/compose/build_standins.sh), for
# machines that cannot pull apache/airflow, postgres and redis. COMPOSE_ENV_FILE, COMPOSE_PROJECT_NAME and
# AIRFLOW_PORT pick another env file, project and port (the tests do).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
ENV_FILE="${COMPOSE_ENV_FILE:-$ROOT/.env}"
PORT="${AIRFLOW_PORT:-8080}"
WAIT_S="${COMPOSE_WAIT_S:-600}"

if [ "${STANDINS:-0}" = 1 ]; then
    export AIRFLOW_BASE_IMAGE="${AIRFLOW_BASE_IMAGE:-automations-standin/airflow:3.3.2}"
    export POSTGRES_IMAGE="${POSTGRES_IMAGE:-automations-standin/postgres:15}"
    export REDIS_IMAGE="${REDIS_IMAGE:-automations-standin/redis:7}"
fi

compose() {
    if command -v docker-compose >/dev/null 2>&1; then
        docker-compose --project-directory "$ROOT" -f "$ROOT/docker-compose.yaml" --env-file "$ENV_FILE" "$@"
    else
        docker compose --project-directory "$ROOT" -f "$ROOT/docker-compose.yaml" --env-file "$ENV_FILE" "$@"
    fi
}

healthy() {  # every component of /api/v2/monitor/health, and both workers' docker healthchecks
    python3 - "$PORT" <<'PY' || return 1
import json, sys, urllib.request
try:
    body = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v2/monitor/health", timeout=5).read())
except Exception:
    sys.exit(1)
sys.exit(0 if body and all((part or {}).get("status") == "healthy" for part in body.values()) else 1)
PY
    for worker in airflow-worker-1 airflow-worker-2; do
        [ "$(docker inspect -f '{{.State.Health.Status}}' "$(compose ps -q "$worker")" 2>/dev/null)" = healthy ] \
            || return 1
    done
}

up() {
    "$HERE/env.sh"
    if [ "${STANDINS:-0}" = 1 ]; then "$HERE/build_standins.sh"; fi
    local started=$SECONDS
    echo "compose: building the Airflow image on ${AIRFLOW_BASE_IMAGE:-apache/airflow:3.3.2-python3.11}"
    compose build -q airflow-init  # every Airflow service runs this one image
    local built=$SECONDS
    # not --abort-on-container-exit: 1.29 would stop everything when airflow-init finishes
    if ! compose up -d; then
        compose logs --tail 60 airflow-init; echo "compose: up failed (airflow-init's log above)" >&2; exit 1
    fi
    echo "compose: waiting for every component to be healthy (up to ${WAIT_S}s)"
    until healthy; do
        if (( SECONDS - built > WAIT_S )); then
            compose ps; compose logs --tail 30; echo "compose: not healthy within ${WAIT_S}s" >&2; exit 1
        fi
        if [ "$(docker inspect -f '{{.State.ExitCode}}' "$(compose ps -q airflow-init)" 2>/dev/null)" -gt 0 ] 2>/dev/null; then
            compose logs airflow-init | tail -40; echo "compose: airflow-init failed" >&2; exit 1
        fi
        sleep 3
    done
    echo "compose: healthy $((SECONDS - built))s after up (build took $((built - started))s)"
    # the password stays out of terminal logs (CI keeps them): it is in the env file
    echo "Airflow: http://127.0.0.1:$PORT   login: admin, password: AIRFLOW_ADMIN_PASSWORD in $ENV_FILE"
    echo "stop and remove everything: make compose-down"
}

case "${1:-}" in
    up) up ;;
    down) compose down -v --remove-orphans ;;
    ps) compose ps ;;
    logs) shift; compose logs --tail 200 "$@" ;;
    compose) shift; compose "$@" ;;  # any docker-compose command on this stack (env file, project, images)
    *) echo "usage: $0 up|down|ps|logs [SERVICE]|compose ARGS..." >&2; exit 2 ;;
esac
