from tests.integration.postgres.conftest import pg_server  # noqa: F401 - the PostgreSQL fixture, shared
