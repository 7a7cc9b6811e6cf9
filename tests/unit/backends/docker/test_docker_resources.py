import pytest

from automations.backends.docker import resources
from automations.backends.docker.resources import DockerResources, for_resources, memory_bytes
from automations.settings import get_settings
from automations.spec.resources import ClientResources, CpuResources, GpuResources

pytestmark = pytest.mark.unit


def docker():
    """The docker backend's slice as the environment sets it now."""
    return get_settings().docker


@pytest.mark.parametrize(
    "quantity, expected", [("2Gi", 2 * 2**30), ("512Mi", 512 * 2**20), ("1024", 1024), ("3Ki", 3072)]
)
def test_memory_bytes(quantity, expected):
    assert memory_bytes(quantity) == expected


def test_memory_bytes_rejects_garbage():
    with pytest.raises(ValueError, match="not a quantity"):
        memory_bytes("lots")


def test_cpu_resources_become_hard_limits():
    limits = for_resources(CpuResources(cpu_fraction=1.5, memory="768Mi"), docker())
    assert limits == DockerResources(cpus=1.5, mem_limit=768 * 2**20, gpus=0)
    assert limits.nano_cpus == 1_500_000_000


def test_gpu_resources_request_gpus():
    limits = for_resources(GpuResources(gpu_type="NVIDIA_T4", gpu_amount=2), docker())
    assert limits.gpus == 2
    assert limits.mem_limit == memory_bytes(resources.DEFAULT_GPU_MEMORY)


def test_client_resources_use_the_instance_table():
    # include/config/kubernetes/instance_sizes.yaml: large is 4 CPUs and 14Gi; g5_xlarge has one A10G.
    assert for_resources(ClientResources(instance="large"), docker()) == DockerResources(4, 14 * 2**30, 0)
    assert for_resources(ClientResources(instance="g5_xlarge"), docker()).gpus == 1


def test_client_resources_explicit_cpu_wins_over_instance():
    got = for_resources(
        ClientResources(instance="small", cpu_resources=CpuResources(cpu_fraction=3, memory="3Gi")), docker()
    )
    assert (got.cpus, got.mem_limit) == (3, 3 * 2**30)


def test_unknown_instance_names_the_known_ones():
    with pytest.raises(ValueError, match="known: .*medium"):
        resources.for_instance("gigantic", docker())


def test_cpu_limit_is_clamped_to_the_engine():
    assert resources.clamp_nano_cpus(4_000_000_000, 2) == 2_000_000_000
    assert resources.clamp_nano_cpus(500_000_000, 2) == 500_000_000


def test_instance_sizes_come_from_the_tables_the_slice_names(tmp_path, monkeypatch):
    monkeypatch.delenv("AUTOMATIONS_K8S_PLACEMENT_FILE", raising=False)
    override = tmp_path / "placement.yaml"
    override.write_text("instance_sizes: {lab: {cpu: 3, memory: 5Gi}}\n")
    given = docker().replace(placement_file=str(override))
    assert for_resources(ClientResources(instance="lab"), given) == DockerResources(3, 5 * 2**30, 0)
    with pytest.raises(ValueError, match="unknown instance 'lab'"):
        resources.for_instance("lab", docker())  # the environment names no override file
