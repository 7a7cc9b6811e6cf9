"""The batch loop with a model function in place of the server: batching, progress, and a bad file."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from automations.batch import files, folders, runner
from automations.spec.batch import FileType

pytestmark = pytest.mark.unit


def _plan(tmp_path, batch_size: int = 4, output: FileType = FileType.parquet, **extra) -> runner.BatchPlan:
    (tmp_path / "in").mkdir(exist_ok=True)
    return runner.BatchPlan(
        source=folders.storage_path((tmp_path / "in").as_uri()),
        destination=folders.storage_path((tmp_path / "out" / "02-12-2026").as_uri()),
        input_type=FileType.csv,
        output_type=output,
        batch_size=batch_size,
        **extra,
    )


def _csv(tmp_path, name: str, rows: int, offset: int = 0) -> None:
    pd.DataFrame({"x": range(offset, offset + rows)}).to_csv(tmp_path / "in" / name, index=False)


class Doubler:
    """The model: prediction = 2x, and it remembers each call's size."""

    def __init__(self):
        self.sizes: list[int] = []

    def __call__(self, rows: pd.DataFrame) -> pd.DataFrame:
        self.sizes.append(len(rows))
        return pd.DataFrame({"prediction": (rows["x"] * 2).tolist()})


def test_rows_go_in_batches_and_every_file_gets_its_output(tmp_path, caplog):
    plan = _plan(tmp_path, batch_size=4)
    _csv(tmp_path, "a.csv", 10)
    _csv(tmp_path, "b.csv", 3, offset=100)
    model = Doubler()
    with caplog.at_level(logging.INFO, logger="automations.batch.runner"):
        done = runner.run(plan, model)
    assert model.sizes == [4, 4, 2, 3]
    assert [(d.input, d.output, d.rows) for d in done] == [("a.csv", "a.parquet", 10), ("b.csv", "b.parquet", 3)]
    out = pd.read_parquet(tmp_path / "out" / "02-12-2026" / "a.parquet")
    assert out["prediction"].tolist() == [2 * i for i in range(10)]
    assert pd.read_parquet(tmp_path / "out" / "02-12-2026" / "b.parquet")["prediction"].tolist() == [200, 202, 204]
    progress = [r.getMessage() for r in caplog.records]
    assert "file 1/2 a.csv: 4/10 rows" in progress and "file 1/2 a.csv: 10/10 rows" in progress
    assert any(m.startswith("done: 2 file(s), 13 rows") for m in progress)


def test_a_bad_file_fails_with_its_name_and_the_outputs_before_it_are_kept(tmp_path):
    plan = _plan(tmp_path, output=FileType.csv)
    _csv(tmp_path, "a.csv", 5)
    (tmp_path / "in" / "b.csv").write_text("y\nnot a number\n")  # no x column: the model fails on it
    _csv(tmp_path, "c.csv", 5)
    with pytest.raises(runner.BatchFileError) as failure:
        runner.run(plan, Doubler())
    message = str(failure.value)
    assert message.startswith("b.csv: KeyError") and "the outputs of the 1 file(s) before it are kept" in message
    out = tmp_path / "out" / "02-12-2026"
    assert sorted(p.name for p in out.iterdir()) == ["a.csv"]  # b never half-written, c never reached
    assert pd.read_csv(out / "a.csv")["prediction"].tolist() == [0, 2, 4, 6, 8]


def test_an_unreadable_file_is_named_too(tmp_path):
    plan = runner.BatchPlan(**{**_plan(tmp_path).__dict__, "input_type": FileType.parquet})
    (tmp_path / "in" / "broken.parquet").write_bytes(b"this is not parquet")
    with pytest.raises(runner.BatchFileError, match=r"^broken\.parquet: "):
        runner.run(plan, Doubler())


def test_task_timeout_bounds_each_file(tmp_path, monkeypatch):
    plan = _plan(tmp_path, batch_size=1, file_timeout_s=5)
    _csv(tmp_path, "slow.csv", 3)
    clock = iter([0.0, 1.0, 7.0, 8.0])
    monkeypatch.setattr(runner.time, "monotonic", lambda: next(clock))
    with pytest.raises(runner.BatchFileError, match=r"^slow\.csv: TimeoutError: took longer than task_timeout \(5 s\)"):
        runner.run(plan, Doubler())


def test_an_empty_source_folder_writes_nothing(tmp_path, caplog):
    plan = _plan(tmp_path)
    with caplog.at_level(logging.WARNING, logger="automations.batch.runner"):
        assert runner.run(plan, Doubler()) == []
    assert "nothing to predict" in caplog.text and not (tmp_path / "out").exists()


def test_output_names_follow_the_output_type():
    assert files.output_name("scores.2026.csv", FileType.feather) == "scores.2026.feather"
    assert files.output_name("noext", FileType.csv) == "noext.csv"
