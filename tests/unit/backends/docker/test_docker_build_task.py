"""The build operator as constructed for a DAG: limits, GPUs, network, image. No engine needed."""

import pytest

from automations.backends.docker.build import build_operator, render
from automations.backends.docker.build_task import DockerBuildOperator, _CpuLimitedClient
from automations.tasks import XCOM_INPUTS

pytestmark = pytest.mark.unit


def test_operator_carries_the_plan(automation, settings):
    op = build_operator(automation, settings, XCOM_INPUTS)
    assert isinstance(op, DockerBuildOperator)
    assert op.task_id == "build"
    assert op.image == "automations-base:test"
    assert op.cpus == 1.5 and op.mem_limit == 768 * 2**20
    assert op.network_mode == "none"
    assert op.device_requests is None
    assert op.auto_remove == "never"  # kept until its State (OOMKilled) is read
    assert op.command[:2] == ["sh", "-c"]
    assert op.environment == {}  # set at execute time, after templating, so parameters never go through Jinja


def test_gpu_resources_become_device_requests(make_automation, settings):
    op = build_operator(make_automation(resources={"gpu_type": "NVIDIA_A10G", "gpu_amount": 2}), settings, XCOM_INPUTS)
    [request] = op.device_requests
    assert request["Count"] == 2 and request["Capabilities"] == [["gpu"]]


def test_network_is_a_setting(automation, settings, monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_DOCKER_NETWORK", "bridge")
    from automations.settings import get_settings

    assert build_operator(automation, get_settings().docker, XCOM_INPUTS).network_mode == "bridge"


class FakeApiClient:
    """Stands in for docker.APIClient at the boundary: records what create_host_config receives."""

    def __init__(self):
        self.calls = []

    def create_host_config(self, **kwargs):
        self.calls.append(kwargs)
        return kwargs

    def images(self, name):
        return [name]


def test_fake_client_gets_a_hard_cpu_limit_added():
    fake = FakeApiClient()
    client = _CpuLimitedClient(fake, 1_500_000_000)
    assert client.create_host_config(mem_limit=5, cpu_shares=1536) == {
        "mem_limit": 5, "cpu_shares": 1536, "nano_cpus": 1_500_000_000}
    assert client.images(name="x") == ["x"]  # everything else passes through


def test_docker_backend_renders_no_kubernetes_objects(automation, settings):
    assert render(automation, settings) == []
