#!/usr/bin/env bash
# Start a local, auth-less image registry on 127.0.0.1:5000 with Debian's docker-registry package (the Docker
# engine allows plain HTTP to localhost registries). Idempotent: a registry already answering is left alone.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
ADDR="${REGISTRY_ADDR:-127.0.0.1:5000}"
DIR="${AUTOMATIONS_CACHE_DIR:-$ROOT/.cache}/registry"
WAIT_S="${REGISTRY_WAIT_S:-30}"

answers() { python3 - "$ADDR" <<'PY'
import sys, urllib.request
try:
    urllib.request.urlopen(f"http://{sys.argv[1]}/v2/", timeout=2)
except Exception:
    sys.exit(1)
PY
}

if answers; then
    echo "registry: already running on $ADDR"
    exit 0
fi

if ! command -v docker-registry >/dev/null 2>&1; then
    echo "registry: installing docker-registry from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq docker-registry >/dev/null
fi

# The package's own config asks for htpasswd auth; this minimal one has none and listens on loopback only.
mkdir -p "$DIR/storage"
cat >"$DIR/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $DIR/storage
  delete:
    enabled: true
http:
  addr: $ADDR
YAML

echo "registry: starting on $ADDR (storage $DIR/storage, log $DIR/registry.log)"
setsid nohup docker-registry serve "$DIR/config.yml" >>"$DIR/registry.log" 2>&1 </dev/null &
for _ in $(seq 1 "$WAIT_S"); do
    if answers; then echo "registry: ready"; exit 0; fi
    sleep 1
done
echo "registry: did not answer on $ADDR within ${WAIT_S}s:" >&2
tail -n 20 "$DIR/registry.log" >&2 || true
exit 1
