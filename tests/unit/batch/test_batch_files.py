"""Batch folders and files: date templates, bucket + folder URIs, and csv / parquet / feather through
ObjectStoragePath on file:// and fsspec's memory:// store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pandas as pd
import pytest

from automations.batch import files, folders
from automations.spec.batch import FileType

pytestmark = pytest.mark.unit

WHEN = datetime(2026, 12, 2, 4, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("folder", "filled"),
    [
        ("in/{%d-%m-%Y}", "in/02-12-2026"),
        ("file:///data/{%Y}/{%m}/{%d}/scores", "file:///data/2026/12/02/scores"),
        ("out/{%Y-%m-%dT%H}", "out/2026-12-02T04"),
        ("plain/{name}/folder", "plain/{name}/folder"),  # braces without a % code are not templates
    ],
)
def test_templates_are_filled_from_the_run_date(folder, filled):
    assert folders.fill(folder, WHEN) == filled


@pytest.mark.parametrize(
    ("bucket", "folder", "uri"),
    [
        ("my-bucket", "in/x", "s3://my-bucket/in/x"),  # a bare bucket is S3, as on Qwak
        ("gs://my-bucket/", "/in/x", "gs://my-bucket/in/x"),
        (None, "file:///tmp/in", "file:///tmp/in"),
    ],
)
def test_bucket_and_folder_make_one_uri(bucket, folder, uri):
    assert folders.location(bucket, folder) == uri


def test_run_date_is_the_logical_date_else_when_the_run_was_asked_for():
    class Run:
        run_after = WHEN

    assert folders.run_date({"logical_date": WHEN}) == WHEN
    assert folders.run_date({"logical_date": None, "dag_run": Run()}) == WHEN
    with pytest.raises(ValueError, match="no logical date"):
        folders.run_date({})


FRAME = pd.DataFrame({"a": [1, 2, 3], "b": [0.5, None, 2.5], "c": ["x", "y", "z"]})


@pytest.fixture(scope="module")
def memory_store():
    """fsspec's in-memory filesystem attached as an Airflow object store (as a provider attaches s3 or gcs)."""
    from airflow.sdk.io import attach
    from fsspec.implementations.memory import MemoryFileSystem

    return attach("memory", fs=MemoryFileSystem())


@pytest.mark.parametrize("file_type", list(FileType))
@pytest.mark.parametrize("scheme", ["file", "memory"])
def test_each_file_type_round_trips_through_object_storage(file_type, scheme, tmp_path, memory_store):
    base = tmp_path.as_uri() if scheme == "file" else f"memory://batch-{uuid.uuid4().hex}"
    folder = folders.storage_path(f"{base}/in")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / files.output_name("scores.input", file_type)
    files.write(FRAME, target, file_type)
    assert [p.name for p in files.inputs(folder, file_type)] == [f"scores{files.SUFFIXES[file_type][0]}"]
    pd.testing.assert_frame_equal(files.read(target, file_type), FRAME)


def test_inputs_are_the_folders_files_of_that_type_in_name_order(tmp_path):
    for name in ("b.csv", "a.CSV", "c.parquet", "notes.txt"):
        (tmp_path / name).write_text("a\n1\n")
    (tmp_path / "sub.csv").mkdir()
    folder = folders.storage_path(tmp_path.as_uri())
    assert [p.name for p in files.inputs(folder, FileType.csv)] == ["a.CSV", "b.csv"]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        files.inputs(folder / "missing", FileType.csv)
