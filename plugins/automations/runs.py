"""The run contract: everything that crosses from one task of an automation's DAG to the next, typed, in one place.

clone -> ``CloneResult`` -> build -> ``BuildResult`` -> [push_image -> ``ImageResult``] -> metric_gate -> deploy ->
``DeployResult``. Each result is frozen; ``to_xcom()`` gives the JSON the Airflow UI shows and ``from_xcom()``
reads it back, refusing a result that lacks what the next task needs. Every XCom carries ``version``: a field added
later gets a default, so the XCom of an older run still reads, and a newer run's extra fields are ignored.

Only ``tasks.py`` (and the operators it hands a ``RunInputs`` to) reads or writes XCom; backends and steps take and
return these types.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Optional, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

if TYPE_CHECKING:
    from model_runtime import contract

XCOM_VERSION = 1
SHA_PATTERN = r"^[0-9a-f]{7,64}$"


class TaskId(StrEnum):
    metric_trigger = "metric_trigger"
    clone = "clone"
    build = "build"
    push_image = "push_image"
    metric_gate = "metric_gate"
    deploy = "deploy"
    skip_deploy = "skip_deploy"
    batch_predict = "batch_predict"


VERDICT_KEY = "verdict"  # the XCom key metric_gate pushes its verdict under (its return value is the branch)


class RunContractError(ValueError):
    """A task's XCom is missing or lacks what the next task needs."""


R = TypeVar("R", bound="_Result")


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    produced_by: ClassVar[TaskId]

    version: int = XCOM_VERSION

    def to_xcom(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_xcom(cls: type[R], data: Any) -> R:
        if isinstance(data, cls):
            return data
        task = cls.produced_by.value
        if not isinstance(data, Mapping):
            needed = [name for name, f in cls.model_fields.items() if f.is_required()]
            raise RunContractError(f"the {task} task returned no result ({data!r}); expected at least {needed}")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '-'}: {e['msg']}" for e in exc.errors())
            raise RunContractError(f"the {task} task's result is not usable ({problems}): {dict(data)!r}") from None


class CloneResult(_Result):
    """The source ``clone`` uploaded: the pinned commit and where its tarball is."""

    produced_by: ClassVar[TaskId] = TaskId.clone

    commit: str = Field(pattern=SHA_PATTERN)
    source_uri: str
    branch: str = ""
    repo: str = ""  # without credentials
    subdir: str = ""
    main_dir: str = "main"


class BuildResult(_Result):
    """What ``build`` made: metrics, the artifact, and the facts the deploy of this build needs."""

    produced_by: ClassVar[TaskId] = TaskId.build

    metrics: dict[str, Any]  # as the model logged them; the gate refuses a non-numeric one it is asked about
    build_id: str = Field(min_length=1)
    artifact_uri: str
    commit: str = Field(min_length=1)
    tests: dict[str, int] = Field(default_factory=dict)  # {"passed": n, "failed": n}
    warnings: list[str] = Field(default_factory=list)  # what the install changed or relaxed, said in the build log
    params: dict[str, Any] = Field(default_factory=dict)  # BuildSpecifications.parameters + qwak/frogml log_param
    api_schema: Optional[dict[str, Any]] = None  # the model's schema() described (model_runtime.model_schema)
    build_image: Optional[str] = None  # the image the build ran in (docker, kubernetes), not the serving image
    python: Optional[str] = None  # the interpreter of the build's environment
    runtime_path: Optional[str] = None  # local: the PYTHONPATH entry holding model_runtime
    local_artifact: Optional[str] = None  # the output directory on the worker, when the build ran on it
    artifact: Optional[str] = None  # the artifact's file name inside the output directory

    @field_validator("metrics", mode="before")
    @classmethod
    def _metric_names_are_strings(cls, value: Any) -> Any:
        return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else value

    @classmethod
    def from_runtime(
        cls, result: contract.BuildResult, *, build_id: str, artifact_uri: str, commit: str, **facts: Any
    ) -> BuildResult:
        """What the runtime wrote (its result file), with the ids and the backend's own ``facts`` (build_image,
        python, runtime_path, local_artifact, artifact): one mapping for every backend, so a field the runtime
        reports reaches the XCom from each of them."""
        return cls(
            metrics=result.metrics,
            build_id=build_id,
            artifact_uri=artifact_uri,
            commit=commit,
            tests=result.tests,
            warnings=result.warnings,
            params=result.params,
            api_schema=result.api_schema,
            **facts,
        )


class ImageResult(_Result):
    """The serving image ``push_image`` built and pushed, or why it did not."""

    produced_by: ClassVar[TaskId] = TaskId.push_image

    image: Optional[str] = None  # what deploy runs (by digest when the backend knows it)
    tag: Optional[str] = None  # the tag it was pushed under
    pushed: bool = False
    reason: str = ""
    build_id: Optional[str] = None
    size_bytes: Optional[int] = None
    digest: Optional[str] = None


class DeployTarget(BaseModel):
    """One place a deploy went to."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    endpoint: str
    environment: str = ""  # empty: the default environment
    namespace: str = ""
    deployment: str = ""
    variation_endpoint: str = ""
    changed: Optional[bool] = None
    warnings: tuple[str, ...] = ()  # what the rollout noticed but did not fail on
    pruned: tuple[str, ...] = ()  # objects of this automation removed because they are no longer rendered
    status: str = ""  # this environment's own outcome (analytics.DeployStatus); empty: the deploy's


class IntegrationTests(BaseModel):
    """The outcome of the model's ``tests/it/`` against the endpoint just deployed; it never fails the run."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    status: str  # passed | failed | skipped
    reason: str = ""
    tests: dict[str, int] = Field(default_factory=dict)  # {"passed", "failed", "skipped"}


class DeployResult(_Result):
    """Where the deployed model serves: ``endpoint``, and one target per environment when there are several."""

    produced_by: ClassVar[TaskId] = TaskId.deploy

    endpoint: str
    build_id: Optional[str] = None
    image: Optional[str] = None  # the serving image, when the backend runs one
    variation: Optional[str] = None
    targets: tuple[DeployTarget, ...] = ()
    details: dict[str, Any] = Field(default_factory=dict)  # backend-specific facts (container, pid, port)
    integration_tests: Optional[IntegrationTests] = None  # tests/it/ after the deploy (steps/deploy.py fills a skip)

    def to_xcom(self) -> dict[str, Any]:
        """Backend-specific details sit beside the typed fields, as the backends have always shown them."""
        data = self.model_dump(mode="json", exclude={"details"})
        return {**{k: v for k, v in self.details.items() if k not in data}, **data}

    @classmethod
    def from_xcom(cls, data: Any) -> DeployResult:
        if isinstance(data, Mapping):
            known = set(cls.model_fields)
            data = {**{k: v for k, v in data.items() if k in known}, "details": {
                k: v for k, v in data.items() if k not in known}}
        return super().from_xcom(data)


class BatchFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    input: str
    output: str
    rows: int


class BatchResult(_Result):
    """What ``batch_predict`` did: the filled folders, the server it used, and each file it wrote."""

    produced_by: ClassVar[TaskId] = TaskId.batch_predict

    source: str
    destination: str
    endpoint: str
    build_id: Optional[str] = None
    files: list[BatchFile] = Field(default_factory=list)
    rows: int = 0


class RunInputs(Protocol):
    """How an operator that Airflow runs itself (a pod, a container) reads the results of the tasks before it."""

    def clone(self, context: Mapping[str, Any]) -> CloneResult: ...

    def build(self, context: Mapping[str, Any]) -> BuildResult: ...


class FixedInputs:
    """RunInputs that return given results: for ``render`` (nothing has run) and for tests."""

    def __init__(self, clone: Optional[CloneResult] = None, build: Optional[BuildResult] = None):
        self._clone, self._build = clone, build

    def clone(self, context: Mapping[str, Any]) -> CloneResult:
        if self._clone is None:
            raise RunContractError("no clone result given")
        return self._clone

    def build(self, context: Mapping[str, Any]) -> BuildResult:
        if self._build is None:
            raise RunContractError("no build result given")
        return self._build


RENDER_COMMIT = "0" * 40  # what `render` shows where a run would put clone's commit
RENDER_RUN_ID = "manual__render"
RENDER_INPUTS = FixedInputs(
    CloneResult(commit=RENDER_COMMIT, source_uri="file:///render/source.tar.gz"),
    BuildResult(metrics={}, build_id="render-build", artifact_uri="file:///render/build", commit=RENDER_COMMIT),
)
