"""What the clone step checks before and after git runs, and how it keeps credentials out of messages.

Before: the repository, branch and sub-directory are checked again at run time (a trigger's ``git_branch``
param, or a Python definition built with ``model_construct``, never passed the schema), and the transport must
be on the allow-list. git itself is told the same allow-list (``GIT_ALLOW_PROTOCOL``), so a submodule or a
redirect cannot reach ``ext::`` or a forbidden transport either. After: no symlink in the checkout may point
outside it, since the build would read whatever it points at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..spec.git import check_branch, check_git_uri

NETWORK_PROTOCOLS = ("https", "http", "ssh")
_SCP_LIKE = re.compile(r"^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+:[^/]")
# scheme://user[:password]@ anywhere in a text (git's stderr, an HTTP error), for scrub_credentials.
_URL_CREDENTIALS = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@]+@")


class UnsafeSource(ValueError):
    """The repository, branch, sub-directory or checkout is refused; the message says which and why."""


def allowed_protocols(allow_file: bool) -> tuple[str, ...]:
    return (*NETWORK_PROTOCOLS, "file") if allow_file else NETWORK_PROTOCOLS


def check_source(repo: str, branch: str, subdir: str, allow_file: bool) -> None:
    """Refuse, before git runs, anything git could take as an option or a transport we do not allow."""
    try:
        check_git_uri(f"{repo}#{subdir}" if subdir else repo)
        check_branch(branch)
    except ValueError as exc:
        raise UnsafeSource(str(exc)) from None
    protocol = transport(repo)
    allowed = allowed_protocols(allow_file)
    if protocol not in allowed:
        hint = " (file:// is forbidden by AUTOMATIONS_GIT_ALLOW_FILE=false)" if protocol == "file" else ""
        raise UnsafeSource(f"git transport {protocol!r} of {redact_url(repo)} is not allowed{hint}; allowed: {allowed}")


def transport(repo: str) -> str:
    if _SCP_LIKE.match(repo):
        return "ssh"
    return urlsplit(repo).scheme.lower() or "local path"


def protocol_env(allow_file: bool) -> dict[str, str]:
    """git's own allow-list: applies to the clone, its redirects and any submodule (which are never fetched)."""
    return {"GIT_ALLOW_PROTOCOL": ":".join(allowed_protocols(allow_file)), "GIT_PROTOCOL_FROM_USER": "0"}


def escaping_links(root: Path) -> list[str]:
    """Symlinks under ``root`` whose target resolves outside it (relative to root, sorted)."""
    base = root.resolve()
    found = []
    for directory, subdirs, files in os.walk(root):
        for name in subdirs + files:
            path = Path(directory, name)
            if path.is_symlink() and not _inside(path.resolve(), base):
                found.append(f"{path.relative_to(root)} -> {os.readlink(path)}")
    return sorted(found)


def check_checkout(clone_root: Path, model_dir: Path) -> None:
    if not _inside(model_dir.resolve(), clone_root.resolve()):
        raise UnsafeSource(f"the model directory {model_dir.name!r} is a link to outside the repository")
    links = escaping_links(clone_root)
    if links:
        raise UnsafeSource(f"symlinks point outside the repository, so the build would read them: {links[:10]}")


def _inside(path: Path, base: Path) -> bool:
    return path == base or base in path.parents


def redact_url(url: str) -> str:
    """Drop any ``user[:password]@`` from a URL (a token is often the user part alone)."""
    parts = urlsplit(url)
    if parts.scheme and "@" in parts.netloc:
        return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    return url


def scrub_credentials(text: str) -> str:
    """Every ``scheme://user:secret@`` in free text (git's stderr, an HTTP error) with the credentials removed."""
    return _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}***@", text)
