"""The credential the serving image is pushed with: an Airflow Connection, read when push_image runs.

The engine gets it per push (``auth_config``), so it is never written to ``~/.docker/config.json``, to an image
or to XCom; the password is registered with the secrets masker before anything could log it.
"""

from __future__ import annotations

from typing import Optional

from ...steps.secrets import mask


class RegistryCredentialMissing(LookupError):
    pass


def registry_auth(conn_id: str) -> Optional[dict[str, str]]:
    """``{"username", "password"}`` from Connection ``conn_id``; None when no connection is configured."""
    if not conn_id:
        return None  # the engine's own credentials (docker login) or an open registry
    from airflow.sdk import Connection

    try:
        conn = Connection.get(conn_id)
    except Exception as exc:  # the SDK raises AirflowNotFoundException (or a transport error)
        raise RegistryCredentialMissing(f"registry connection {conn_id!r} not found: {type(exc).__name__}") from None
    if not conn.login or not conn.password:
        raise RegistryCredentialMissing(f"registry connection {conn_id!r} needs a login and a password")
    mask(conn.password)
    return {"username": conn.login, "password": conn.password}
