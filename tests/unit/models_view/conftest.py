"""The Models view reads the embedded SQLite store, as the analytics tests do."""

from tests.unit.analytics.conftest import sqlite_env  # noqa: F401 - a fixture shared with the analytics tests
