"""Artifact dir round trip through ObjectStoragePath on file:// (the embedded default store), and the refusals
that keep a copy inside its target: both the local and the docker backend copy trees with these two functions."""

import pytest

from automations.artifacts import download_tree, upload_tree

pytestmark = pytest.mark.unit


def _store(tmp_path, name="b1"):
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath((tmp_path / "store" / "builds" / name).as_uri())


def _output(tmp_path):
    local = tmp_path / "out"
    (local / "src" / "main").mkdir(parents=True)
    (local / "result.json").write_text('{"metrics": {}}')
    (local / "model.pkl").write_bytes(b"\x80\x04pickle")
    (local / "src" / "main" / "model.py").write_text("class M: ...")
    return local


def test_tree_round_trip(tmp_path):
    local = _output(tmp_path)
    (local / "src" / "main" / "__pycache__").mkdir()
    (local / "src" / "main" / "__pycache__" / "model.cpython-311.pyc").write_bytes(b"\0")
    uri = upload_tree(local, _store(tmp_path))
    back = download_tree(uri, tmp_path / "back")
    assert sorted(p.relative_to(back).as_posix() for p in back.rglob("*") if p.is_file()) == [
        "model.pkl", "result.json", "src/main/model.py"]
    assert (back / "model.pkl").read_bytes() == b"\x80\x04pickle"


def test_download_of_a_missing_tree_fails(tmp_path):
    with pytest.raises(FileNotFoundError, match="no artifact files"):
        download_tree((tmp_path / "nothing").as_uri(), tmp_path / "back")


def test_upload_refuses_a_file_link_to_outside_the_output(tmp_path):
    local = _output(tmp_path)
    (tmp_path / "secret").write_text("the worker's file")
    (local / "src" / "leak").symlink_to(tmp_path / "secret")
    with pytest.raises(ValueError, match="leak is a link to outside"):
        upload_tree(local, _store(tmp_path))
    assert not (tmp_path / "store" / "builds" / "b1" / "src" / "leak").exists()


def test_upload_refuses_a_directory_link_to_outside_the_output(tmp_path):
    local = _output(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "id_rsa").write_text("key")
    (local / "src" / "home").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(ValueError, match="home is a link to outside"):
        upload_tree(local, _store(tmp_path))


def test_upload_keeps_a_link_that_stays_inside(tmp_path):
    local = _output(tmp_path)
    (local / "src" / "alias.py").symlink_to(local / "src" / "main" / "model.py")
    back = download_tree(upload_tree(local, _store(tmp_path)), tmp_path / "back")
    assert (back / "src" / "alias.py").read_text() == "class M: ..."


def test_download_refuses_to_write_through_a_link_to_outside_the_target(tmp_path):
    uri = upload_tree(_output(tmp_path), _store(tmp_path))
    target, outside = tmp_path / "back", tmp_path / "outside"
    target.mkdir()
    outside.mkdir()
    (target / "src").symlink_to(outside, target_is_directory=True)  # left over, or planted, in the target
    with pytest.raises(ValueError, match="escapes"):
        download_tree(uri, target)
    assert list(outside.rglob("*")) == []


def test_a_failed_upload_removes_the_partial_artifact(tmp_path):
    from automations.artifacts import ArtifactStoreError

    local = _output(tmp_path)
    target = _store(tmp_path, "b-partial")
    target.mkdir(parents=True, exist_ok=True)
    (target / "src").write_text("a file where a directory must go")  # the copy fails part-way, as a full disk would
    with pytest.raises(ArtifactStoreError, match="storing the build's artifact at .*b-partial failed"):
        upload_tree(local, target)
    assert not target.exists()
