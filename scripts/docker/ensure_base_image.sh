#!/usr/bin/env bash
# Build (or reuse) the Python base image the Docker backend builds and serves models in.
#
# debootstrap --variant=minbase bookworm + a venv at /opt/venv (first on PATH, so `python` is the venv's and
# `pip install` works despite Debian's externally-managed marker) + what the example model needs, then
# `docker import`. The rootfs tarball is cached under .cache/docker/ keyed by this script and the requirements,
# so a re-run only re-imports (seconds) and a run with the image already present does nothing.
#
# BASE_PY_PACKAGES=pip (default): wheels downloaded on the host with pip, installed into the venv offline.
# BASE_PY_PACKAGES=debian: Debian's python3-sklearn/python3-pandas/python3-pytest (venv with system site-packages).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
IMAGE="${AUTOMATIONS_DOCKER_IMAGE:-automations-base:bookworm}"
METHOD="${BASE_PY_PACKAGES:-pip}"
REQS="$HERE/base-requirements.txt"
# The example model's pins too, so its build finds them installed and needs no network.
EXAMPLE_REQS="$ROOT/include/models/example_classifier/main/requirements.txt"
[ -f "$EXAMPLE_REQS" ] || EXAMPLE_REQS=/dev/null
CACHE="${AUTOMATIONS_CACHE_DIR:-$ROOT/.cache}/docker"
PY="${PYTHON:-python3}"

# Bump RECIPE when build_rootfs changes what goes into the image; editing other lines keeps the cache valid.
RECIPE=2
KEY="$( (echo "$RECIPE"; cat "$REQS" "$EXAMPLE_REQS") | sha256sum | cut -c1-12)-$METHOD"
TARBALL="$CACHE/base-rootfs-$KEY.tar"

present_key() { docker image inspect "$IMAGE" --format '{{range .Config.Env}}{{println .}}{{end}}' 2>/dev/null \
                | sed -n 's/^AUTOMATIONS_BASE_KEY=//p'; }

if [ "$(present_key)" = "$KEY" ]; then
    echo "base image: $IMAGE already present (key $KEY)"
    exit 0
fi

debian_packages() { grep -v '^#' "$REQS" | sed -e 's/[<>=!~].*//' -e 's/^scikit-learn$/sklearn/' \
                    | awk 'NF {printf ",python3-%s", tolower($1)}'; }

install_pip_wheels() {  # $1 = rootfs: download on the host (registry access), install in the chroot offline
    local wheels="$CACHE/wheels"
    mkdir -p "$wheels"
    # -q hides progress; stderr noise about the machine's optional local indexes is not ours to fix.
    "$PY" -m pip download -q -d "$wheels" --only-binary=:all: --python-version 3.11 \
        --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
        -r "$REQS" -r "$EXAMPLE_REQS"
    mkdir -p "$1/tmp/wheels" && cp "$wheels"/*.whl "$1/tmp/wheels/"
    cp "$REQS" "$1/tmp/wheels/base.txt" && cp "$EXAMPLE_REQS" "$1/tmp/wheels/example.txt"
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$1" /opt/venv/bin/pip install -q --no-index \
        --no-cache-dir --find-links /tmp/wheels -r /tmp/wheels/base.txt -r /tmp/wheels/example.txt
    rm -rf "$1/tmp/wheels"
}

build_rootfs() {  # $1 = empty dir
    local include="python3,python3-venv,python3-pip,git,ca-certificates" venv_flags=""
    if [ "$METHOD" = debian ]; then include="$include$(debian_packages)"; venv_flags="--system-site-packages"; fi
    echo "base image: debootstrap bookworm into $1 ($METHOD)"
    debootstrap --variant=minbase --include="$include" bookworm "$1" >"$CACHE/debootstrap.log" 2>&1 \
        || { tail -n 30 "$CACHE/debootstrap.log" >&2; exit 1; }
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$1" python3 -m venv $venv_flags /opt/venv
    if [ "$METHOD" = pip ]; then install_pip_wheels "$1"; fi
    # Size: nothing below is needed to run Python; apt lists and docs are most of the slack.
    rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/usr/share/doc/* "$1"/usr/share/man/* \
           "$1"/usr/share/locale/* "$1"/usr/share/info/*
    find "$1/opt/venv" -name __pycache__ -prune -exec rm -rf {} +
}

mkdir -p "$CACHE"
if [ ! -s "$TARBALL" ]; then
    if ! command -v debootstrap >/dev/null 2>&1; then
        apt-get -o DPkg::Lock::Timeout=600 update -qq  # a fresh machine may have no package lists yet
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq debootstrap >/dev/null
    fi
    WORK="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
    trap 'rm -rf "$WORK"' EXIT
    build_rootfs "$WORK"
    tar -C "$WORK" -cf "$TARBALL.partial" . && mv "$TARBALL.partial" "$TARBALL"
    # ~500 MB each: keep only the tarball of the current key.
    find "$CACHE" -maxdepth 1 -name "base-rootfs-*-$METHOD.tar" ! -name "$(basename "$TARBALL")" -delete
fi

echo "base image: importing $TARBALL as $IMAGE"
docker import \
    --change "ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV PYTHONDONTWRITEBYTECODE=1" \
    --change "ENV AUTOMATIONS_BASE_KEY=$KEY" \
    --change "WORKDIR /workspace" \
    --change 'CMD ["python3"]' \
    "$TARBALL" "$IMAGE" >/dev/null
echo "base image: $IMAGE ready ($(docker image inspect "$IMAGE" --format '{{.Size}}') bytes)"
