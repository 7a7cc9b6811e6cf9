"""Load one fuzzed file beside copies of the valid fixtures and check what must always hold.

- the loader returns (it never raises), within PER_FILE_LIMIT_S;
- every valid definition is still there, still from its own file;
- every problem belongs to the fuzzed file and names it, a field path (or ``<definition>``) and a reason;
- a file that yields no automation says why.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from tests.fuzz import stats
from tests.support.definitions import VALID, VALID_NAMES
from tests.support.loading import load_now

from automations.loader import LoadResult, display

PER_FILE_LIMIT_S = 10.0  # "a few seconds": generous, because two shared cores run everyone's tests


def valid_folder(root: Path) -> Path:
    folder = root / "definitions"
    shutil.copytree(VALID, folder)
    return folder


def check_fuzzed_file(folder: Path, file_name: str, content: bytes, kind: str) -> LoadResult:
    path = folder / file_name
    path.write_bytes(content)
    started = time.monotonic()
    try:
        result = load_now([folder], root=folder)
    except BaseException:
        stats.record(kind, "crashed", time.monotonic() - started)
        raise
    finally:
        path.unlink()
    elapsed = time.monotonic() - started
    assert elapsed < PER_FILE_LIMIT_S, f"{elapsed:.1f}s to load a folder with one fuzzed file"
    _check_result(result, path)
    accepted = any(a.source == path for a in result.automations)
    stats.record(kind, "accepted" if accepted else "rejected", elapsed)
    return result


def _check_result(result: LoadResult, path: Path) -> None:
    by_name = result.by_name()
    lost = {n for n in VALID_NAMES if n not in by_name or by_name[n].source == path}
    assert not lost, f"the fuzzed file cost valid definitions their place: {sorted(lost)}"
    shown = display(path)
    for error in result.errors:
        assert error.file == shown, f"a problem blamed on another file: {error}"
        assert error.reason.strip(), f"a problem without a reason: {error!r}"
        assert "\n" not in str(error), f"a problem that is not one line: {str(error)!r}"
        assert str(error).startswith(f"{shown}: "), str(error)
    if not any(a.source == path for a in result.automations):
        assert result.errors, "a rejected file must say why"
