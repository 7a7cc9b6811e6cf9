"""Where a notification goes: a literal URL, or the name of a secret (Airflow Connection or Variable) holding it.

``secret:NAME`` always names a secret. For ``url``/``webhook`` a value without ``://`` names one too (a Slack
webhook is a credential, so the name is the expected form); header values are literal unless ``secret:``.
Resolved values are registered with Airflow's secrets masker, and only ``label()`` (never the URL) is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..steps.secrets import SecretLookup, airflow_secret

SECRET_PREFIX = "secret:"


@dataclass(frozen=True)
class Reference:
    """A value as the definition wrote it: a literal, or a secret's name."""

    raw: str
    is_secret: bool

    @property
    def secret_name(self) -> str:
        return self.raw[len(SECRET_PREFIX) :].strip() if self.raw.startswith(SECRET_PREFIX) else self.raw.strip()

    def label(self) -> str:
        """Safe to log and to show in DAG docs: a secret's name, never a literal's value."""
        return f"secret {self.secret_name!r}" if self.is_secret else "a literal URL (hidden)"

    def resolve(self, lookup: Optional[SecretLookup] = None) -> str:
        if not self.is_secret:
            return self.raw
        return (lookup or airflow_secret)(self.secret_name)


def url_reference(value: str) -> Reference:
    return Reference(value, value.startswith(SECRET_PREFIX) or "://" not in value)


def header_reference(value: str) -> Reference:
    return Reference(value, value.startswith(SECRET_PREFIX))


def resolve_headers(headers: dict[str, str], lookup: Optional[SecretLookup] = None) -> dict[str, str]:
    return {name: header_reference(value).resolve(lookup) for name, value in headers.items()}
