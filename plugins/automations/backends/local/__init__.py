"""The local backend: builds in a per-build virtualenv and serves as a detached process on this machine.

It is the embedded default (``AUTOMATIONS_BACKEND=local``): no Docker, no cluster. Modules: ``build`` (the build
task), ``deploy`` (start / replace / stop servers), ``environment`` (venv + runtime copy), ``process`` (streaming
and stopping processes). Shared with the docker backend: copying trees to the artifact store (``artifacts``),
waiting for /health (``serving_health``) and the record of who serves which variation (``gateway.registry``).
"""
