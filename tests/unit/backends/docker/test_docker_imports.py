"""The parse path stays light: importing the backend's modules must not import the docker SDK or provider."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit


def test_backend_modules_do_not_import_docker_at_import_time():
    code = (
        "import sys\n"
        "import automations.backends.docker.build, automations.backends.docker.image\n"
        "import automations.backends.docker.deploy\n"
        "heavy = sorted(m for m in sys.modules if m == 'docker' or m.startswith('airflow.providers.docker'))\n"
        "print(','.join(heavy))\n"
    )
    root = Path(__file__).resolve().parents[4]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(root / "plugins")})
    assert out.stdout.strip() == ""
