"""The local backend: builds in a per-build virtualenv and serves as a detached process on this machine.

It is the embedded default (``AUTOMATIONS_BACKEND=local``): no Docker, no cluster. Modules:
``build`` (the build task), ``deploy`` (start / replace / stop servers), ``registry`` (one JSON file per
automation+variation), ``environment`` (venv + runtime copy), ``process`` (streaming and stopping
processes). Copying trees to the artifact store and waiting for /health are shared with the docker backend
(``artifacts``, ``serving_health``).
"""
