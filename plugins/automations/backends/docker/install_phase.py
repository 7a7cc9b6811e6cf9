"""Phase one of a Docker build: install the model's dependencies in a container that may reach the package index
(or a mirror, or a wheelhouse), then commit it as a dependencies image. Phase two (the tests and the training) runs
FROM that image with the build network (``none`` by default), as before.

The dependencies image is tagged by a key over the base image, the dependency list the clone step translated
(``contract.DEPENDENCIES_FILE``) and model_runtime's installer:
a retrain with unchanged dependencies finds its image and installs nothing. pip's cache is a host folder mounted
into every install container, so changed dependencies download only what is new.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model_runtime import contract

from ... import runtime_package
from ...settings import DockerSettings
from .paths import PYTHON, RUNTIME_DIR, RUNTIME_ROOT, SOURCE_DIR

log = logging.getLogger(__name__)

DEPS_REPOSITORY = "automations-deps"
PIP_CACHE = "/cache/pip"
WHEELHOUSE = "/wheelhouse"
CA_BUNDLE = "/etc/automations/ca-bundle.crt"
_INSTALLER_FILES = ("install.py", "serve_deps.py")  # how install installs, and the server it always adds


@dataclass(frozen=True)
class InstallPlan:
    command: tuple[str, ...]
    environment: dict[str, str] = field(hash=False)
    network_mode: str = "bridge"
    wheelhouse: str = ""  # host folder mounted at WHEELHOUSE, or ""
    ca_bundle: str = ""  # host file mounted at CA_BUNDLE, or ""


def plan_install(settings: DockerSettings) -> InstallPlan:
    env = {"PYTHONPATH": RUNTIME_ROOT, "PYTHONUNBUFFERED": "1", "PIP_CACHE_DIR": PIP_CACHE}
    if settings.index_url:
        env |= {"PIP_INDEX_URL": settings.index_url, "UV_INDEX_URL": settings.index_url}
    if settings.ca_bundle:
        env |= {"PIP_CERT": CA_BUNDLE, "SSL_CERT_FILE": CA_BUNDLE, "REQUESTS_CA_BUNDLE": CA_BUNDLE}
    if settings.wheelhouse:
        env["PIP_FIND_LINKS"] = WHEELHOUSE
        if not settings.index_url:
            env["PIP_NO_INDEX"] = "1"  # a wheelhouse alone: don't wait on an index this network cannot reach
    command = contract.install_command(PYTHON, SOURCE_DIR)
    return InstallPlan(
        tuple(command),
        env,
        settings.install_network,
        settings.wheelhouse,
        settings.ca_bundle,
    )


def deps_key(base_image_id: str, source: Path) -> str:
    """Same base image, same dependency list, same installer: same dependencies image."""
    digest = hashlib.sha256(base_image_id.encode() + b"\0")
    listed = source / contract.DEPENDENCIES_FILE
    digest.update(listed.read_bytes() if listed.is_file() else b"<none>")  # none: install says so and fails
    for name in _INSTALLER_FILES:
        digest.update(b"\0" + (runtime_package.MODULE_DIR / name).read_bytes())
    return digest.hexdigest()[:20]


def deps_image(key: str) -> str:
    return f"{DEPS_REPOSITORY}:{key}"


REPORT_LABEL = "io.automations.install-report"  # install's warnings, kept on the image for builds that reuse it
DEPS_LABELS = {"io.automations.role": "deps"}  # shared by every automation with the same dependencies


class InstallFailed(RuntimeError):
    """The install container exited non-zero; the message carries its exit code and the tail of its output."""


def ensure_deps_image(
    cli: Any,
    base_image: str,
    source: Path,
    plan: InstallPlan,
    settings: DockerSettings,
    labels: dict[str, str],
    emit: Callable[[str], None] = log.info,
) -> str:
    """The dependencies image for this source (built now unless an identical one exists); its ref."""
    key = deps_key(cli.inspect_image(base_image)["Id"], source)
    ref = deps_image(key)
    if cli.images(name=ref):
        report = (cli.inspect_image(ref)["Config"].get("Labels") or {}).get(REPORT_LABEL, "{}")
        (source / contract.INSTALL_REPORT_FILE).write_text(report)  # its warnings belong to this build too
        emit(f"dependencies unchanged: reusing {ref} (nothing to install)")
        return ref
    emit(f"installing dependencies in {base_image} with network {plan.network_mode!r}, committed as {ref}")
    _run_and_commit(cli, base_image, source, plan, settings, ref, labels, emit)
    return ref


def _mounts(source: Path, plan: InstallPlan, settings: DockerSettings) -> list[Any]:
    from docker.types import Mount

    cache = settings.state_dir / "docker-pip-cache"
    cache.mkdir(parents=True, exist_ok=True)
    mounts = [
        Mount(SOURCE_DIR, str(source), "bind"),
        Mount(RUNTIME_DIR, str(runtime_package.MODULE_DIR), "bind", read_only=True),
        Mount(PIP_CACHE, str(cache), "bind"),
    ]
    if plan.wheelhouse:
        mounts.append(Mount(WHEELHOUSE, str(Path(plan.wheelhouse).resolve()), "bind", read_only=True))
    if plan.ca_bundle:
        mounts.append(Mount(CA_BUNDLE, str(Path(plan.ca_bundle).resolve()), "bind", read_only=True))
    return mounts


def _run_and_commit(
    cli: Any,
    image: str,
    source: Path,
    plan: InstallPlan,
    settings: DockerSettings,
    ref: str,
    labels: dict[str, str],
    emit: Callable[[str], None],
) -> None:
    host_config = cli.create_host_config(network_mode=plan.network_mode, mounts=_mounts(source, plan, settings))
    container = cli.create_container(
        image=image,
        command=list(plan.command),
        environment=plan.environment,
        host_config=host_config,
        labels={**labels, "io.automations.role": "install"},
    )
    try:
        cli.start(container)
        tail: list[str] = []
        for chunk in cli.logs(container, stream=True, follow=True):
            for line in chunk.decode(errors="replace").splitlines():
                emit(line)
                tail = (tail + [line])[-40:]
        code = cli.wait(container)["StatusCode"]
        if code != 0:
            reason = contract.EXIT_REASONS.get(code, f"the install container exited with {code}")
            raise InstallFailed(f"{reason} (exit {code}). Last output:\n" + "\n".join(tail))
        repository, tag = ref.split(":", 1)
        report = (source / contract.INSTALL_REPORT_FILE).read_text()
        cli.commit(container, repository=repository, tag=tag, conf={"Labels": {**DEPS_LABELS, REPORT_LABEL: report}})
    finally:
        cli.remove_container(container, force=True)
