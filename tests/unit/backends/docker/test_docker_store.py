"""Artifact dir round trip through ObjectStoragePath on file:// (the embedded default store)."""

import pytest

from automations.backends.docker.store import download_tree, upload_tree

pytestmark = pytest.mark.unit


def test_tree_round_trip(tmp_path):
    from airflow.sdk import ObjectStoragePath

    local = tmp_path / "out"
    (local / "src" / "main").mkdir(parents=True)
    (local / "result.json").write_text('{"metrics": {}}')
    (local / "model.pkl").write_bytes(b"\x80\x04pickle")
    (local / "src" / "main" / "model.py").write_text("class M: ...")
    uri = upload_tree(local, ObjectStoragePath((tmp_path / "store" / "builds" / "b1").as_uri()))
    back = download_tree(uri, tmp_path / "back")
    assert sorted(p.relative_to(back).as_posix() for p in back.rglob("*") if p.is_file()) == [
        "model.pkl", "result.json", "src/main/model.py"]
    assert (back / "model.pkl").read_bytes() == b"\x80\x04pickle"


def test_download_of_a_missing_tree_fails(tmp_path):
    with pytest.raises(FileNotFoundError, match="no artifact files"):
        download_tree((tmp_path / "nothing").as_uri(), tmp_path / "back")
