"""What a run links to, as plain functions: the commit's page on a known git host, and a one-line gate verdict.

The Airflow side (operator extra links on clone, metric_gate and deploy) is in ``run_links.py``.
"""

from __future__ import annotations

import re
from typing import Any, Optional
from urllib.parse import urlsplit

# host -> how its web UI shows one commit of the repository at ``base`` (https://host/owner/repo)
COMMIT_PAGES = {
    "github.com": "{base}/commit/{sha}",
    "gitlab.com": "{base}/-/commit/{sha}",
    "bitbucket.org": "{base}/commits/{sha}",
    "codeberg.org": "{base}/commit/{sha}",
}
_SCP_LIKE = re.compile(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+):(?P<path>(?!//)[^#]+)")
_SHA = re.compile(r"^[0-9a-f]{7,64}$")


def commit_url(git_uri: str, commit: Optional[str]) -> Optional[str]:
    """``https://github.com/acme/models/commit/<sha>`` for a repo on a known host, else None.

    Accepts https/http/ssh URLs and scp-like ``git@host:owner/repo.git``; the ``#sub/dir`` and any credentials
    in the URL are dropped (never echoed into a link).
    """
    if not commit or not _SHA.match(commit):
        return None
    host, path = _host_and_path(git_uri.split("#", 1)[0].strip())
    page = COMMIT_PAGES.get(host.lower())
    path = path.strip("/").removesuffix(".git")
    if page is None or path.count("/") < 1:
        return None
    return page.format(base=f"https://{host.lower()}/{path}", sha=commit)


def _host_and_path(repo: str) -> tuple[str, str]:
    if "://" in repo:
        parts = urlsplit(repo)
        return parts.hostname or "", parts.path
    found = _SCP_LIKE.match(repo)
    return (found["host"], found["path"]) if found else ("", "")


def verdict_line(verdict: dict[str, Any]) -> str:
    """``deploy: f1_score 0.97 > 0.9`` / ``skip: f1_score 0.85 > 0.9 failed`` / ``deploy (forced): ...``."""
    if not verdict:
        return "no verdict (the gate did not run)"
    decision = "deploy" if verdict.get("passed") else "skip"
    if verdict.get("forced"):
        decision += " (forced)"
    parts = [_condition(c) for c in verdict.get("conditions") or []]
    return f"{decision}: {'; '.join(parts) if parts else 'no conditions'}"


def _condition(condition: dict[str, Any]) -> str:
    actual, threshold = condition.get("actual"), condition.get("threshold")
    text = f"{condition.get('metric_name')} {_number(actual)} {condition.get('symbol', '?')} {_number(threshold)}"
    if condition.get("error"):
        return f"{text} error: {condition['error']}"
    return text if condition.get("passed") else f"{text} failed"


def _number(value: Any) -> str:
    return "?" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)
