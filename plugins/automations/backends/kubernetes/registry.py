"""Where serving images go and how they are named, for the kubernetes backend.

Tags are per build (``<registry>/<model_id>:<build_id>``): a nightly retrain of unchanged code is a new build and a
new tag, two variations (two automations) never share one, and a rollback names exactly what it ran before.
Deployments then pull by digest (``<registry>/<model_id>@sha256:...``, from Kaniko's ``--digest-file``), so a
node's cached image can never stand in for the one that was built.

The backend has no default registry: ``localhost:5000`` (the docker backend's default) is, on a cluster node, the
node itself, so an unset ``AUTOMATIONS_REGISTRY`` is an error that says what to set.
"""

from __future__ import annotations

import re

from ...settings import KubernetesSettings

_TAG_BAD = re.compile(r"[^A-Za-z0-9_.-]+")


class RegistryNotConfigured(ValueError):
    pass


def registry(settings: KubernetesSettings) -> str:
    if "registry" not in settings.model_fields_set:
        raise RegistryNotConfigured(
            "the kubernetes backend needs a registry its nodes can pull from: set AUTOMATIONS_REGISTRY, for example "
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/models (EKS), europe-docker.pkg.dev/PROJECT/models "
            "(GKE), myregistry.azurecr.io/models (AKS); the docker backend's default localhost:5000 would be the "
            "node itself"
        )
    return settings.registry.rstrip("/")


def tag(build_id: str) -> str:
    """A valid image tag (<= 128 of [A-Za-z0-9_.-], not starting with '.' or '-') from a build id."""
    clean = _TAG_BAD.sub("-", build_id).lstrip(".-") or "build"
    return clean[:128]


def repository(registry_url: str, model_id: str) -> str:
    return f"{registry_url}/{model_id.lower()}"


def tagged(registry_url: str, model_id: str, build_id: str) -> str:
    return f"{repository(registry_url, model_id)}:{tag(build_id)}"


def by_digest(reference: str, digest: str) -> str:
    """``repo:tag`` + ``sha256:...`` -> ``repo@sha256:...`` (the tag is dropped: the digest alone is immutable)."""
    repo = reference.rsplit(":", 1)[0] if ":" in reference.rsplit("/", 1)[-1] else reference
    return f"{repo}@{digest}"
