"""push_image on the real engine and a real local registry: push, remove locally, pull back, serve."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from dockerkit import FakeTaskInstance, build_tiny, post_json, tiny_automation

from automations import compiler
from automations.backends.docker.deploy import deploy
from automations.backends.docker.image import push_image_step
from automations.loader import LoadedAutomation
from automations.runs import ImageResult
from automations.settings import Backend, get_settings
from automations.tasks import XCOM_INPUTS

pytestmark = [pytest.mark.integration, pytest.mark.docker]


def test_serving_image_is_pushed_pulled_back_and_serves(tmp_path, docker_settings, cleanup_containers,
                                                       docker_engine, registry):
    cleanup_containers.append("tiny_push")
    automation, build = build_tiny("tiny_push", tmp_path, docker_settings)
    image = push_image_step(automation, docker_settings, XCOM_INPUTS, ti=FakeTaskInstance({"build": build.to_xcom()}))

    ref = "localhost:5000/tiny_push:c0ffeec0ffee"
    assert image["image"] == ref and image["pushed"] is True and image["size_bytes"] > 0
    assert image["digest"].startswith("sha256:")
    with urllib.request.urlopen("http://127.0.0.1:5000/v2/tiny_push/tags/list", timeout=5) as response:
        assert "c0ffeec0ffee" in json.loads(response.read())["tags"]

    docker_engine.images.remove(ref, force=True)
    assert not docker_engine.images.list(name=ref)
    docker_engine.images.pull("localhost:5000/tiny_push", tag="c0ffeec0ffee")
    assert docker_engine.images.get(ref).attrs["Size"] == image["size_bytes"]

    served = deploy(automation, build, ImageResult.from_xcom(image), docker_settings).to_xcom()
    assert served["image"] == ref
    assert post_json(f"{served['endpoint']}/predict", [{"x": 0.9}, {"x": 0.1}]) == (200, [1, 0])


def test_push_image_false_returns_the_reason_without_skipping(docker_settings):
    # Decided by the compiler, the same way on every backend that builds an image.
    automation = LoadedAutomation(tiny_automation("tiny_nopush", {"push_image": False}), Path("tiny_nopush.yaml"))
    operator = compiler._image_operator(automation, get_settings().replace(backend=Backend.docker))
    result = ImageResult.from_xcom(operator.python_callable())
    reason = "build_spec.push_image is false: no serving image is built or pushed"
    assert result == ImageResult(pushed=False, reason=reason)
