"""Unpacking a source tarball refuses members that escape the target, with and without Python's extraction
filters (Debian 12's python3 is 3.11.2, which has none: the compose stand-in image runs it)."""

from __future__ import annotations

import io
import tarfile

import pytest

from automations.artifacts import _extract

pytestmark = pytest.mark.unit


def _tar(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
            else:
                info.type, info.linkname = kind, payload
                tar.addfile(info)
    return path


@pytest.fixture(params=["filters", "no filters"])
def python(request, monkeypatch):
    if request.param == "no filters":
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    return request.param


def test_a_plain_tree_unpacks(tmp_path, python):
    archive = _tar(tmp_path / "ok.tar.gz", [("main/model.py", "file", b"x = 1\n"), ("link", tarfile.SYMTYPE, "main")])
    with tarfile.open(archive) as tar:
        _extract(tar, tmp_path / "out")
    assert (tmp_path / "out" / "main" / "model.py").read_text() == "x = 1\n"


@pytest.mark.parametrize(
    "member",
    [("../evil.py", "file", b"boom"), ("up", tarfile.SYMTYPE, "../../etc")],
)
def test_members_escaping_the_target_are_refused(tmp_path, python, member):
    archive = _tar(tmp_path / "bad.tar.gz", [member])
    with tarfile.open(archive) as tar, pytest.raises(tarfile.TarError):
        _extract(tar, tmp_path / "out")
    assert not (tmp_path / "evil.py").exists()


def test_an_absolute_member_never_lands_at_its_absolute_path(tmp_path, python):
    outside = tmp_path / "outside" / "evil.py"
    archive = _tar(tmp_path / "abs.tar.gz", [(str(outside), "file", b"boom")])
    with tarfile.open(archive) as tar:
        try:
            _extract(tar, tmp_path / "out")  # the "data" filter strips the leading /, the fallback refuses
        except tarfile.TarError:
            pass
    assert not outside.exists()
