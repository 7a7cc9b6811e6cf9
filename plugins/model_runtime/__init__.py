"""Runs inside the build environment (venv, container or pod) and in serving processes.

Standard library only, plus the model's own dependencies: this package is copied into images and pods.
"""
