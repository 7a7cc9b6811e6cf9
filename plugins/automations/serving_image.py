"""The serving image, the same on every backend that builds one: its Dockerfile and its build context's layout.

The context holds ``artifact/`` (the build output: result.json, model.pkl, src/) and ``model_runtime/``
(``runtime_package.copy_to``). The image installs the model's dependencies at build time, so a server starts
without a network, keeps the artifact at ARTIFACT_DIR and model_runtime below RUNTIME_ROOT (alone on PYTHONPATH),
and starts ``python -m model_runtime serve``.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Optional

from model_runtime import contract

ARTIFACT_DIR = "/artifact"
RUNTIME_ROOT = "/opt/model_runtime"
CONTEXT_ARTIFACT = "artifact"  # the context folder that becomes ARTIFACT_DIR
PORT = contract.DEFAULT_PORT
PYTHON = "python"  # the base image's; a custom base_image must provide `python`


def dockerfile(base_image: str, *, labels: Optional[Mapping[str, str]] = None, user: Optional[int] = None) -> str:
    """``user``: the UID the server runs as (kubernetes' pods run non-root, see its security.py). The install
    reads the dependency list the clone step wrote into the model directory, which the artifact's src/ carries."""
    source = f"{ARTIFACT_DIR}/{contract.SOURCE_DIR}"
    install = contract.install_command(PYTHON, source)
    serve = contract.serve_command(PYTHON, ARTIFACT_DIR, PORT)
    entry, args = serve[:4], serve[4:]  # python -m model_runtime serve | --artifact ... --port ...
    lines = [
        f"FROM {base_image}",
        f"COPY {contract.MODULE} {RUNTIME_ROOT}/{contract.MODULE}",
        f"COPY {CONTEXT_ARTIFACT} {ARTIFACT_DIR}",
        f"ENV PYTHONPATH={RUNTIME_ROOT} PYTHONUNBUFFERED=1",
        f"RUN {json.dumps(install)}",
    ]
    if labels:
        lines.append("LABEL " + " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(labels.items())))
    if user is not None:
        lines.append(f"USER {user}")
    # Exec form: the server is PID 1 and gets the SIGTERM of `docker stop` or of the kubelet.
    lines += [f"EXPOSE {PORT}", f"ENTRYPOINT {json.dumps(entry)}", f"CMD {json.dumps(args)}", ""]
    return "\n".join(lines)
