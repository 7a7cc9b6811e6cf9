"""The Docker backend: builds in a real container on a Docker engine that shares this worker's filesystem.

- ``build``: a DockerOperator subclass runs the model_runtime build contract in the base image (or ``base_image``),
  with the source and model_runtime bind-mounted and an output dir mounted; metrics come from the mounted
  result file, never from the log stream.
- ``image``: builds a serving image FROM the build image with the artifact and model_runtime, and pushes it.
- ``deploy``: runs the serving image as a labelled container on ``deploy_host`` and swaps it in once healthy.

Bind mounts need the engine to see the worker's paths, i.e. a local engine (``DOCKER_HOST`` unset or a local
socket). Heavy imports (docker, the provider) stay inside functions so the DAG parse path stays light.
"""
