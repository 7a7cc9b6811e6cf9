#!/usr/bin/env bash
# Build local stand-ins for the compose stack's public base images, from Debian packages, for machines that
# cannot pull apache/airflow, postgres and redis (this one cannot reach any registry):
#
#   automations-standin/airflow:3.3.2   Debian's python3 + a venv with requirements-compose.txt (Airflow, Celery),
#                                       user airflow (uid 50000, gid 0), AIRFLOW_HOME /opt/airflow, and the
#                                       official image's entrypoint contract (`airflow ARGS`, or bash/python)
#   automations-standin/postgres:15     Debian's postgresql-15 with the official image's env contract
#                                       (POSTGRES_USER/PASSWORD/DB, /docker-entrypoint-initdb.d/*.sql|*.sh)
#   automations-standin/redis:7         Debian's redis-server
#
# One debootstrap rootfs holds all three (one layer, imported once); each image only sets its entrypoint, user and
# env on top. Python packages are wheels fetched on the host (pip's own config: PyPI or the machine's local
# indexes) into .cache/compose/wheels and installed in the chroot offline; the example model's wheels stay in the
# image at /opt/wheels, with uv and pip pointed at them, so builds inside the stack need no network either.
# The rootfs tarball is cached under .cache/compose/ keyed by this script's recipe and the requirements; a re-run
# with the images present does nothing, one with only the tarball re-imports (seconds).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="${AUTOMATIONS_CACHE_DIR:-$ROOT/.cache}/compose"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || PY=python3
PREFIX="${STANDIN_PREFIX:-automations-standin}"
REQS="$ROOT/requirements-compose.txt"
MODEL_REQS="$ROOT/include/models/example_classifier/main/requirements.txt"

RECIPE=1  # bump when build_rootfs changes what goes into the image
ROOTFS_KEY="$( (echo "$RECIPE"; cat "$REQS" "$ROOT/requirements.txt" "$MODEL_REQS") | sha256sum | cut -c1-12)"
# The model server's pinned stack, which `model_runtime install` adds to every build environment.
SERVER_REQS="$(PYTHONPATH="$ROOT/plugins" "$PY" -c 'from model_runtime.serve_deps import SERVER_REQUIREMENTS as r; print(*r)')"
KEY="$( (echo "$ROOTFS_KEY $SERVER_REQS"; cat "$HERE"/standin/*) | sha256sum | cut -c1-12)"  # + entrypoints
TARBALL="$CACHE/standin-rootfs-$ROOTFS_KEY.tar"
ROOTFS_IMAGE="$PREFIX/rootfs:$ROOTFS_KEY"

log() { echo "stand-ins: $*"; }

images_present() {
    local name
    for name in airflow:3.3.2 postgres:15 redis:7; do
        [ "$(docker image inspect "$PREFIX/$name" --format '{{index .Config.Labels "automations.key"}}' 2>/dev/null)" \
            = "$KEY" ] || return 1
    done
}

fetch_wheels() {  # host side: pip's config decides where from; sdists become wheels here, not in the chroot
    mkdir -p "$CACHE/wheels" "$CACHE/model-wheels"
    log "wheels for requirements-compose.txt into ${CACHE#$ROOT/}/wheels"
    "$PY" -m pip wheel -q --disable-pip-version-check -w "$CACHE/wheels" -r "$REQS" 2> >(grep -v "^WARNING: Location" >&2)
    log "wheels of the example model into ${CACHE#$ROOT/}/model-wheels"
    "$PY" -m pip wheel -q --disable-pip-version-check -w "$CACHE/model-wheels" -r "$MODEL_REQS" pytest \
        2> >(grep -v "^WARNING: Location" >&2)
}

in_chroot() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root chroot "$ROOTFS" "$@"; }

DEBIAN_PACKAGES="python3,python3-venv,git,ca-certificates,procps,dumb-init,postgresql-15,redis-server,curl"

debootstrap_rootfs() {  # the Debian part alone is cached too: it is the slow part (minutes on a busy mirror)
    local cached="$CACHE/debootstrap-$(echo "$DEBIAN_PACKAGES" | sha256sum | cut -c1-12).tar"
    if [ -s "$cached" ]; then
        log "Debian packages from ${cached#$ROOT/}"
        tar -C "$ROOTFS" -xf "$cached"
        return
    fi
    log "debootstrap bookworm into $ROOTFS (log: ${CACHE#$ROOT/}/debootstrap.log)"
    debootstrap --variant=minbase --include="$DEBIAN_PACKAGES" bookworm "$ROOTFS" >"$CACHE/debootstrap.log" 2>&1 \
        || { tail -n 30 "$CACHE/debootstrap.log" >&2; exit 1; }
    rm -f "$ROOTFS"/var/cache/apt/archives/*.deb
    tar -C "$ROOTFS" -cf "$cached.partial" . && mv "$cached.partial" "$cached"
}

build_rootfs() {
    debootstrap_rootfs
    in_chroot python3 -m venv /opt/venv
    mkdir -p "$ROOTFS/tmp/wheels" "$ROOTFS/opt/wheels"
    cp "$CACHE"/wheels/*.whl "$ROOTFS/tmp/wheels/"
    cp "$CACHE"/model-wheels/*.whl "$ROOTFS/opt/wheels/"
    grep -v '^-r' "$REQS" >"$ROOTFS/tmp/wheels/compose.txt"
    cp "$ROOT/requirements.txt" "$ROOTFS/tmp/wheels/base.txt"
    log "installing Airflow and Celery into /opt/venv (offline)"
    in_chroot /opt/venv/bin/pip install -q --no-index --no-cache-dir --find-links /tmp/wheels \
        -r /tmp/wheels/base.txt -r /tmp/wheels/compose.txt
    rm -rf "$ROOTFS/tmp/wheels"
    in_chroot useradd --uid 50000 --gid 0 --home-dir /home/airflow --create-home --shell /bin/bash airflow
    mkdir -p "$ROOTFS/opt/airflow" "$ROOTFS/var/lib/postgresql/data" "$ROOTFS/var/run/postgresql"
    in_chroot chown -R airflow:root /opt/airflow /opt/venv
    in_chroot chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
    rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/* "$ROOTFS"/usr/share/doc/* \
           "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/locale/* "$ROOTFS"/usr/share/info/*
    find "$ROOTFS/opt/venv" -name __pycache__ -prune -exec rm -rf {} +
}

derive() {  # $1 = name:tag, then Dockerfile lines on top of the shared rootfs (entrypoint, server wheels, metadata)
    local name="$1"; shift
    { echo "FROM $ROOTFS_IMAGE"; printf '%s\n' "$@"; echo "LABEL automations.key=$KEY"; } \
        | docker build -q -t "$PREFIX/$name" -f - "$CONTEXT" >/dev/null 2> >(grep -v "DEPRECATED\|buildx\|docs.docker.com\|^\s*$" >&2)
    log "$PREFIX/$name ready"
}

if images_present; then
    log "already present (key $KEY)"
    exit 0
fi
mkdir -p "$CACHE"
if [ ! -s "$TARBALL" ]; then
    if ! command -v debootstrap >/dev/null 2>&1; then
        apt-get -o DPkg::Lock::Timeout=600 update -qq
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq debootstrap >/dev/null
    fi
    fetch_wheels
    ROOTFS="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
    trap 'rm -rf "$ROOTFS"' EXIT
    build_rootfs
    tar -C "$ROOTFS" -cf "$TARBALL.partial" . && mv "$TARBALL.partial" "$TARBALL"
    find "$CACHE" -maxdepth 1 -name 'standin-rootfs-*.tar' ! -name "$(basename "$TARBALL")" -delete
fi
if ! docker image inspect "$ROOTFS_IMAGE" >/dev/null 2>&1; then
    log "importing ${TARBALL#$ROOT/} as $ROOTFS_IMAGE"
    docker import --change "ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
        "$TARBALL" "$ROOTFS_IMAGE" >/dev/null
fi
CONTEXT="$(mktemp -d "$CACHE/context.XXXXXX")"
trap 'rm -rf "${ROOTFS:-}" "$CONTEXT"' EXIT
cp "$HERE"/standin/*.sh "$CONTEXT/"
mkdir -p "$CACHE/server-wheels" "$CONTEXT/server-wheels"
# shellcheck disable=SC2086
"$PY" -m pip wheel -q --disable-pip-version-check -w "$CACHE/server-wheels" $SERVER_REQS 2> >(grep -v "^WARNING: Location" >&2)
cp "$CACHE"/server-wheels/*.whl "$CONTEXT/server-wheels/"
derive airflow:3.3.2 \
    "COPY server-wheels/ /opt/wheels/" \
    "ENV AIRFLOW_HOME=/opt/airflow PYTHONDONTWRITEBYTECODE=1 UV_FIND_LINKS=/opt/wheels UV_OFFLINE=1 PIP_FIND_LINKS=/opt/wheels PIP_NO_INDEX=1" \
    "COPY airflow-entrypoint.sh /entrypoint" \
    "WORKDIR /opt/airflow" "USER 50000:0" 'ENTRYPOINT ["/usr/bin/dumb-init", "--", "/entrypoint"]' 'CMD []'
derive postgres:15 \
    "ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin PGDATA=/var/lib/postgresql/data" \
    "COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh" \
    "USER postgres" 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' 'CMD ["postgres"]'
derive redis:7 "USER redis" \
    'CMD ["redis-server", "--protected-mode", "no", "--bind", "0.0.0.0", "--save", "", "--appendonly", "no"]'
# Older keys' rootfs images are ~1.5 GB each: keep the current one only.
docker images "$PREFIX/rootfs" --format '{{.Repository}}:{{.Tag}}' | grep -v ":$ROOTFS_KEY\$" | xargs -r docker rmi >/dev/null || true
