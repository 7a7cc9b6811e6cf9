"""Look up a secret by the name a definition gives, through Airflow's secrets backend, and mask it at once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Optional

log = logging.getLogger(__name__)

SecretLookup = Callable[[str], str]  # raises SecretNotFound when the name holds nothing


class SecretNotFound(LookupError):
    pass


def airflow_secret(name: str) -> str:
    """A Connection's password, else a Variable: whichever the secrets backend (env, DB, Vault...) holds."""
    value = _connection_password(name) or _variable(name)
    if not value:
        raise SecretNotFound(f"secret {name!r} is neither a Connection (with a password) nor a Variable")
    mask(value)
    return value


def _connection_password(name: str) -> Optional[str]:
    from airflow.sdk import Connection

    try:
        return Connection.get(name).password
    except Exception:  # the SDK raises AirflowNotFoundException (or a transport error) for a missing id
        return None


def _variable(name: str) -> Optional[str]:
    from airflow.sdk import Variable

    try:
        return Variable.get(name)
    except Exception:  # KeyError-like when absent
        return None


def mask(value: str) -> None:
    """Register a secret value with Airflow's masker, so task logs show *** instead."""
    try:
        from airflow.sdk.log import mask_secret

        mask_secret(value)
    except Exception:  # masking is best effort outside a task; we never log the value anyway
        log.debug("could not register secret with the masker")
