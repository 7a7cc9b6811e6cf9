"""The serving stack `serve` runs on, pinned, and installed into the model's environment when it is missing.

Like qwak-core's serving image, the model's environment carries its own HTTP server: `install` adds these
packages beside the model's dependencies (so images and build venvs start without a network), and `serve` adds
them itself to an environment built before they were part of `install` (stdlib only until then).
"""

from __future__ import annotations

import importlib
import importlib.util
import subprocess

# uvicorn on uvloop + httptools: measured ~1.1x gunicorn sync + Flask here and unaffected by idle clients; uvicorn's
# pure-Python h11 fallback was 0.3-0.7x (see the README's serving figures), so the fast parsers are pinned too.
SERVER_REQUIREMENTS = (
    "uvicorn==0.54.0",
    "uvloop==0.23.0",
    "httptools==0.9.0",
    "prometheus-client==0.26.0",
    "orjson==3.13.0",  # request and answer JSON at ~4x json's speed (fast_json.py); MLServer uses it too
)
# uvloop/httptools/orjson are optional: uvicorn falls back to asyncio/h11 without them, fast_json to json
REQUIRED_MODULES = ("uvicorn", "prometheus_client")


def missing(modules: tuple[str, ...] = REQUIRED_MODULES) -> list[str]:
    return [name for name in modules if importlib.util.find_spec(name) is None]


def ensure() -> str | None:
    """None when the server's packages import; otherwise install them and say why if that failed."""
    if not missing():
        return None
    from .install import install_command  # stdlib only; imported late to keep this module light

    cmd = install_command(list(SERVER_REQUIREMENTS))
    print("model_runtime serve: installing the server: " + " ".join(cmd), flush=True)
    if subprocess.call(cmd) != 0:
        return f"installing {', '.join(SERVER_REQUIREMENTS)} into this environment failed"
    importlib.invalidate_caches()
    still = missing()
    return f"still not importable after installing: {', '.join(still)}" if still else None
