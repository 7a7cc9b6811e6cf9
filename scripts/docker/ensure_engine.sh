#!/usr/bin/env bash
# Make sure a Docker engine answers on /var/run/docker.sock: install Debian's docker.io when dockerd is missing,
# start dockerd in the background when `docker info` fails, and wait until it answers. Idempotent: a running
# engine is left alone (and "already running" is success).
set -euo pipefail

WAIT_S="${DOCKER_ENGINE_WAIT_S:-90}"
LOG="${DOCKERD_LOG:-/var/log/automations-dockerd.log}"

engine_answers() { docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && engine_answers; then
    echo "docker engine: already running"
    exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
    echo "docker engine: installing docker.io from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq docker.io >/dev/null
fi

# Another caller may have started it between our check and now: only start if nothing listens yet.
if ! engine_answers && ! pgrep -x dockerd >/dev/null 2>&1; then
    echo "docker engine: starting dockerd (log: $LOG)"
    # setsid + nohup: dockerd must outlive this script and the test session that called it.
    setsid nohup dockerd >>"$LOG" 2>&1 </dev/null &
fi

for _ in $(seq 1 "$WAIT_S"); do
    if engine_answers; then
        echo "docker engine: ready ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
        exit 0
    fi
    sleep 1
done
echo "docker engine: did not answer within ${WAIT_S}s; last lines of $LOG:" >&2
tail -n 30 "$LOG" >&2 || true
exit 1
