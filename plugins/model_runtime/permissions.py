"""Say so when a model fails because its base image expects root.

Kubernetes builds and servers run as a fixed non-root UID under Pod Security "restricted" (the kubernetes backend's
security.py), with a writable ``$HOME``. A model (or a base image's own tooling) that writes under ``/opt``,
``/app`` or site-packages worked as root on Qwak and fails here with a bare ``PermissionError``; this turns that
into what to change.
"""

from __future__ import annotations

import errno
import os
from typing import Optional

_DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)


def explain(exc: BaseException) -> Optional[str]:
    """A hint for a permission error of a non-root process, else None (root, or not a permission error)."""
    denied = _permission_error(exc)
    if denied is None or os.geteuid() == 0:
        return None
    where = f" on {denied.filename}" if denied.filename else ""
    return (
        f"permission denied{where}: this runs as UID {os.geteuid()}, not root (on Kubernetes every pod runs under "
        "Pod Security 'restricted'), and the base image needs root to write there. Write under $HOME "
        f"({os.environ.get('HOME', '?')}) or a temporary directory instead, or use a base image that gives that "
        "path to a non-root user (chown/chmod it in the image); running as root is not offered"
    )


def _permission_error(exc: BaseException) -> Optional[OSError]:
    seen: set[int] = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:  # the cause chain: pickle, joblib and torch wrap it
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _DENIED:
            return current
        current = current.__cause__ or current.__context__
    return None
