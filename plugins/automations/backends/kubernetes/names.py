"""Kubernetes names, label values and the IRSA annotation: one set of rules for the build, image and deploy objects.

Two DNS rules, on purpose: ``dns_label`` (RFC 1035, starts with a letter) is what a Service needs, and the deploy
names everything of a variation after its Service; ``dns_name`` (RFC 1123, may start with a digit) is what pods,
Secrets and ServiceAccounts accept, and must be used for a name the user gave (a Secret that exists as
``9-token`` must not be looked up as ``m-9-token``). A name or value that is too long keeps a digest of the
whole text, so two long ones stay apart.

Not the provider's ``make_safe_label_value``: it hashes every value it has to change (``_x_`` becomes
``x-<md5>``), which would rename the labels that rollout.prune selects owned objects by.
"""

from __future__ import annotations

import hashlib
import re

from ...dns_spelling import dns_spelling

IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"  # EKS's webhook reads the role from the ServiceAccount's annotation
MANAGED_BY = "automations"  # the app.kubernetes.io/managed-by value (and server-side apply's field manager)
LIMIT = 63

_LABEL_BAD = re.compile(r"[^A-Za-z0-9_.-]+")


def _fit(clean: str, text: str, limit: int, ends: str) -> str:
    if len(clean) <= limit:
        return clean
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return f"{clean[: limit - 9].rstrip(ends)}-{digest}"


def label_value(text: str, limit: int = LIMIT) -> str:
    """Label syntax: <= 63 of [A-Za-z0-9_.-], alphanumeric at both ends ("" when nothing of ``text`` is left)."""
    return _fit(_LABEL_BAD.sub("-", text).strip("-_."), text, limit, "-_.")


def dns_name(text: str, limit: int = LIMIT) -> str:
    """RFC 1123 label (pods, Secrets, ServiceAccounts): lowercase alphanumerics and '-'."""
    return _fit(dns_spelling(text), text, limit, "-") or "x"


def dns_label(text: str, limit: int = LIMIT) -> str:
    """RFC 1035 label (Services, and the Deployment and ServiceAccount named after one): starts with a letter."""
    name = dns_spelling(text) or "x"
    if not name[0].isalpha():
        name = f"m-{name}"
    return _fit(name, text, limit, "-")


def tag_labels(tags: list[str]) -> dict[str, str]:
    """Each definition tag becomes ``tag.automations/<tag>: "true"`` (keys are queryable; values are not lists)."""
    return {f"tag.automations/{key}": "true" for key in (label_value(t) for t in tags) if key}


def irsa_annotations(role_arn: str) -> dict[str, str]:
    """The annotation that makes EKS hand a ServiceAccount's pods the role (none without a role)."""
    return {IRSA_ANNOTATION: role_arn} if role_arn else {}
