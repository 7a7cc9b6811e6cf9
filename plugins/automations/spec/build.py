"""BuildSpecifications: where the model's source lives and how to build it."""

from __future__ import annotations

from typing import Optional

from pydantic import Field, StrictStr

from .base import SpecModel
from .enums import PurchaseOption
from .fields import EnvVars, MainDir, NonNegativeInt, ParamValue
from .git import GitBranch, GitLocation, GitUri, split_git_uri
from .resources import AnyResources, CpuResources


class BuildSpecifications(SpecModel):
    sdk_fields = (
        "parameters",
        "git_uri",
        "tags",
        "git_access_token_secret",
        "git_branch",
        "main_dir",
        "base_image",
        "assumed_iam_role",
        "resources",
        "dependency_file_path",
        "env_vars",
        "git_ssh_token_secret",
        "gpu_compatible",
        "push_image",
        "purchase_option",
        "provision_instance_timeout",
        "service_account_key_secret_name",
    )

    git_uri: GitUri
    git_access_token_secret: Optional[StrictStr] = None
    git_ssh_token_secret: Optional[StrictStr] = None
    git_branch: GitBranch = "main"
    main_dir: MainDir = "main"
    tags: list[StrictStr] = Field(default_factory=list)
    env_vars: EnvVars = Field(default_factory=list)
    parameters: dict[StrictStr, ParamValue] = Field(default_factory=dict)
    base_image: StrictStr = ""
    assumed_iam_role: StrictStr = ""
    resources: AnyResources = Field(default_factory=CpuResources)
    dependency_file_path: Optional[StrictStr] = None
    push_image: bool = True
    purchase_option: PurchaseOption = PurchaseOption.spot
    provision_instance_timeout: NonNegativeInt = 120
    service_account_key_secret_name: StrictStr = ""
    gpu_compatible: bool = False

    @property
    def location(self) -> GitLocation:
        return split_git_uri(self.git_uri)

    @property
    def env(self) -> dict[str, str]:
        return dict(item.split("=", 1) for item in self.env_vars)
