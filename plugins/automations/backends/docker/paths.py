"""Where things live inside build and serving containers.

model_runtime is mounted read-only below RUNTIME_ROOT, which goes on PYTHONPATH alone, so the model sees
model_runtime and nothing else of ours.
"""

from model_runtime import contract

RUNTIME_ROOT = "/opt/automations"
RUNTIME_DIR = f"{RUNTIME_ROOT}/{contract.MODULE}"
SOURCE_DIR = "/workspace/source"
OUTPUT_DIR = "/workspace/output"
PYTHON = "python"  # the base image puts its venv first on PATH; a custom base_image must provide `python`
