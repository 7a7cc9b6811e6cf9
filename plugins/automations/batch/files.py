"""Input and output files of a batch run: csv, parquet and feather, read and written through pandas."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..spec.batch import FileType

if TYPE_CHECKING:
    import pandas as pd

SUFFIXES: dict[FileType, tuple[str, ...]] = {
    FileType.csv: (".csv",),
    FileType.parquet: (".parquet", ".pq"),
    FileType.feather: (".feather", ".arrow"),
}


def inputs(folder: Any, file_type: FileType) -> list[Any]:
    """The folder's files of that type, sorted by name (a run reads them in a stable order)."""
    if not folder.exists():
        raise FileNotFoundError(f"source folder {folder} does not exist")
    found = [p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(SUFFIXES[file_type])]
    return sorted(found, key=lambda p: p.name)


def output_name(input_name: str, file_type: FileType) -> str:
    stem = input_name.rsplit(".", 1)[0] if "." in input_name else input_name
    return f"{stem}{SUFFIXES[file_type][0]}"


def read(path: Any, file_type: FileType) -> pd.DataFrame:
    import pandas as pd

    with path.open("rb") as handle:
        if file_type is FileType.csv:
            return pd.read_csv(handle)
        if file_type is FileType.parquet:
            return pd.read_parquet(handle)
        return pd.read_feather(handle)


def write(frame: pd.DataFrame, path: Any, file_type: FileType) -> None:
    """The whole file in one write, so a failure never leaves half an output behind."""
    import io

    buffer = io.BytesIO()
    if file_type is FileType.csv:
        buffer.write(frame.to_csv(index=False).encode())
    elif file_type is FileType.parquet:
        frame.to_parquet(buffer, index=False)
    else:
        frame.reset_index(drop=True).to_feather(buffer)
    with path.open("wb") as handle:
        handle.write(buffer.getvalue())
