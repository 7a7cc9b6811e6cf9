"""Debian's Chromium for the browser tests: installed with apt when missing, launched headless by Playwright."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# The flags of a quiet, reproducible headless run (no sandbox: tests run as root here).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def ensure_chromium() -> Path:
    output = ""
    if not CHROMIUM.exists() and shutil.which("apt-get"):
        apt = ["apt-get", "-o", "DPkg::Lock::Timeout=600"]
        for step in ([*apt, "update", "-qq"], [*apt, "install", "-y", "-qq", "chromium"]):  # lists may be empty
            done = subprocess.run(
                step,
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            )
            output += done.stdout[-1500:] + done.stderr[-1500:]
    if not CHROMIUM.exists():
        message = f"Debian's chromium is not installed and could not be installed: {output[-2000:]}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM
