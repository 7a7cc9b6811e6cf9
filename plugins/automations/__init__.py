"""Qwak-style automations for Airflow: ``from automations import Automation, ScheduledTrigger, ...``."""

from .spec import *  # noqa: F401,F403 - the public definition API
from .spec import __all__  # noqa: F401
