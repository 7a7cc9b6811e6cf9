"""The ``push_image`` task on Docker: a serving image FROM the build image, holding the artifact and
model_runtime, tagged ``<registry>/<model_id>:<commit[:12]>`` and pushed to ``settings.registry``.

``render_dockerfile`` is pure; ``build_serving_image`` and ``push`` talk to the engine.
"""

from __future__ import annotations

import functools
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ... import ids, runtime_package, serving_image
from ...artifacts import download_tree
from ...runs import BuildResult, ImageResult, RunInputs, TaskId
from ...settings import DockerSettings
from ...spec import Automation
from . import engine
from .plan import LABEL_PREFIX, plan_build
from .registry_auth import registry_auth

log = logging.getLogger(__name__)

ARTIFACT_DIR = serving_image.ARTIFACT_DIR
PORT = serving_image.PORT


@dataclass(frozen=True)
class ServingImage:
    ref: str
    size_bytes: int


def render_dockerfile(base_image: str, labels: dict[str, str]) -> str:
    """The serving image every backend builds (serving_image.py), labelled for the engine's filters."""
    return serving_image.dockerfile(base_image, labels=labels)


def serving_labels(automation: Automation, build: BuildResult) -> dict[str, str]:
    return {
        f"{LABEL_PREFIX}.automation": automation.name,
        f"{LABEL_PREFIX}.model_id": automation.model_id,
        f"{LABEL_PREFIX}.build_id": build.build_id,
        f"{LABEL_PREFIX}.commit": build.commit,
    }


def build_serving_image(automation: Automation, build: BuildResult, settings: DockerSettings) -> ServingImage:
    """Build the serving image from the build XCom's artifact dir; returns its ref and size."""
    ref = ids.serving_image(settings.registry, automation.model_id, build.commit)
    base = build.build_image or plan_build(automation, settings).image
    dockerfile = render_dockerfile(base, serving_labels(automation, build))
    with tempfile.TemporaryDirectory(prefix="serving-image-") as tmp:
        context = Path(tmp)
        download_tree(build.artifact_uri, context / serving_image.CONTEXT_ARTIFACT)
        runtime_package.copy_to(context)
        (context / "Dockerfile").write_text(dockerfile)
        image = _docker_build(context, ref, settings.network)
    return ServingImage(ref, int(image.attrs["Size"]))


def _docker_build(context: Path, ref: str, network_mode: str) -> Any:
    from docker.errors import BuildError

    client = engine.client()
    try:
        image, stream = client.images.build(
            path=str(context), tag=ref, rm=True, forcerm=True, network_mode=network_mode
        )
    except BuildError as exc:
        tail = "".join(str(item.get("stream", item.get("error", ""))) for item in list(exc.build_log)[-30:])
        raise RuntimeError(f"building the serving image {ref} failed: {exc.msg}\n{tail}") from None
    for item in stream:
        if item.get("stream", "").strip():
            log.info("%s", item["stream"].rstrip())
    return image


def push(ref: str, auth: dict[str, str] | None = None) -> str:
    """Push ``ref`` (with ``auth`` when given); returns the registry's digest. Raises with the registry's message
    on any error event."""
    repository, tag = ref.rsplit(":", 1)
    digest = ""
    events = engine.client().images.push(repository, tag=tag, stream=True, decode=True, auth_config=auth)
    for event in events:
        if "error" in event:
            raise RuntimeError(f"pushing {ref} failed: {event['error']}")
        digest = event.get("aux", {}).get("Digest", digest)
    return digest


def push_image_step(
    automation: Automation, settings: DockerSettings, inputs: RunInputs, **context: Any
) -> dict[str, Any]:
    """The push_image task's body: the serving image of the build, pushed to the registry."""
    build = inputs.build(context)
    image = build_serving_image(automation, build, settings)
    log.info("push_image: built %s (%d bytes); pushing to %s", image.ref, image.size_bytes, settings.registry)
    digest = push(image.ref, registry_auth(settings.registry_conn_id))
    size = image.size_bytes
    return ImageResult(image=image.ref, pushed=True, build_id=build.build_id, size_bytes=size, digest=digest).to_xcom()


def image_operator(automation: Automation, settings: DockerSettings, inputs: RunInputs) -> Any:
    """The ``push_image`` task: a PythonOperator around push_image_step."""
    from airflow.providers.standard.operators.python import PythonOperator

    # partial, not op_kwargs: op_kwargs is templated and serialised; the spec is neither template nor small.
    return PythonOperator(
        task_id=TaskId.push_image.value,
        python_callable=functools.partial(push_image_step, automation, settings, inputs),
    )
