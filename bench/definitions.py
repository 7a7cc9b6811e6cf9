"""Realistic generated automations: GPU and CPU builds, push_image, autoscaling, SQL thresholds, a _defaults.yaml.

``variant(i)`` is the one description of automation ``i``; the YAML definitions and the hand-written baseline
(``hand_written.py``) are both produced from it, so the two sides build the same DAGs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

GPU_TYPES = ("NVIDIA_T4", "NVIDIA_A10G", "NVIDIA_L4", "NVIDIA_A100")
SQL_THRESHOLD = "SELECT avg(value) FROM build_metrics WHERE model_id = :model_id AND metric_name = :metric_name"

DEFAULTS = """\
# Folder defaults, deep-merged under every definition below (the definition wins).
description: Retrain and redeploy a bench model
action:
  build_spec:
    git_branch: main
    git_access_token_secret: github_token
    tags: [bench]
    purchase_option: spot
    provision_instance_timeout: 30
  deployment_spec:
    number_of_http_server_workers: 4
    http_request_timeout_ms: 3000
    number_of_pods: 2
    cpu_fraction: 1
    memory: 2Gi
"""


@dataclass(frozen=True)
class Variant:
    i: int
    gpu: str  # "" for a CPU build
    push_image: bool
    autoscale: bool
    sql_threshold: bool
    interval: bool

    @property
    def name(self) -> str:
        return f"bench_{self.i:05d}"

    @property
    def model_id(self) -> str:
        return f"bench_model_{self.i:05d}"

    @property
    def team(self) -> str:
        return f"team-{self.i % 7}"

    @property
    def cron(self) -> str:
        return f"{self.i % 60} {self.i % 24} * * *"

    @property
    def subdir(self) -> str:
        return f"models/model_{self.i:05d}"

    @property
    def threshold(self) -> str:
        return SQL_THRESHOLD if self.sql_threshold else "0.8"

    @property
    def cpu(self) -> tuple[int, str]:
        return (2, "4Gi") if self.i % 2 else (1, "2Gi")


def variant(i: int) -> Variant:
    return Variant(
        i=i,
        gpu=GPU_TYPES[(i // 3) % len(GPU_TYPES)] if i % 3 == 0 else "",  # a third build on a GPU
        push_image=i % 10 != 9,  # push_image is on by default; one in ten turns it off
        autoscale=i % 2 == 0,
        sql_threshold=i % 5 == 0,
        interval=i % 8 == 7,
    )


def definition_yaml(v: Variant) -> str:
    trigger = "{interval: 6h}" if v.interval else f'{{cron: "{v.cron}"}}'
    if v.gpu:
        resources = f"{{gpu_type: {v.gpu}, gpu_amount: 1}}"
    else:
        resources = f"{{cpu_fraction: {v.cpu[0]}, memory: {v.cpu[1]}}}"
    lines = [
        f"name: {v.name}",
        f"model_id: {v.model_id}",
        f"trigger: {trigger}",
        "action:",
        "  build_spec:",
        f'    git_uri: "https://git.example.com/acme/models.git#{v.subdir}"',
        f"    tags: [bench, {v.team}]",
        f'    env_vars: ["MODE=full", "SEED={v.i}"]',
        f"    parameters: {{epochs: {5 + v.i % 10}, lr: 0.01}}",
        f"    resources: {resources}",
    ]
    if not v.push_image:
        lines.append("    push_image: false")
    lines += [
        "  deployment_condition:",
        "    metric_name: f1_score",
        "    direction: ABOVE",
        f'    threshold: "{v.threshold}"',
    ]
    if v.autoscale:
        lines += [
            "  deployment_spec:",
            "    auto_scale_config:",
            "      min_replica_count: 1",
            "      max_replica_count: 6",
            "      triggers:",
            "        - query_spec: {metric_type: latency, aggregation_type: p95, time_period: 5}",
            "          threshold: 300",
            "        - query_spec: {metric_type: cpu, aggregation_type: avg, time_period: 2}",
            "          threshold: 70",
        ]
    return "\n".join(lines) + "\n"


def write_definitions(n: int, folder: Path) -> None:
    """``n`` definition files, each named after its automation (the task-start fast path), plus _defaults.yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_defaults.yaml").write_text(DEFAULTS)
    for i in range(n):
        v = variant(i)
        (folder / f"{v.name}.yaml").write_text(definition_yaml(v))
