"""``@qwak.api()`` / ``@frogml.api()`` input and output adapters, applied the way Qwak's serving runtime does.

The decorator only stores the adapter objects on the function (``predict._input_adapter`` / ``_output_adapter``);
in qwak-core and frogml the adapter classes are empty stubs and the serving runtime maps each class to its
implementation. We do that mapping here by class name (anywhere in the adapter's MRO, so subclasses work), without
importing either library:

input                          predict() receives
DataFrameInputAdapter (default) a DataFrame of the posted records (every pandas orient, see payload.py)
JsonInputAdapter               the parsed JSON body as is (dict, list, ...)
StringInputAdapter             the body as text
NumpyInputAdapter              ``numpy.asarray`` of the parsed JSON body
other (proto, image, file...)  the body as text, with a warning when the server starts

output                         the answer
DataFrameOutputAdapter(o)      a DataFrame/Series as ``to_json(orient=o)`` ("records" by default); else as JSON
DefaultOutputAdapter /         a DataFrame/Series as records; else as JSON
AutodetectOutputAdapter
JsonOutputAdapter and others   the value as JSON, not wrapped in a list

A model without the decorator gets what the server always did: a DataFrame in, a JSON list out. Requests are
merged into one predict() (max_batch_size) only when the input is a DataFrame and the answer a list per record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

from . import fast_json
from .payload import BadRequest, as_list, parse_records, to_frame, to_jsonable

DATAFRAME, JSON, STRING, NUMPY, RAW = "dataframe", "json", "string", "numpy", "raw"
RECORDS, FRAME, PLAIN = "records", "frame", "plain"  # output kinds: our list, to_json(orient), the value as JSON

_INPUTS = {
    "DataFrameInputAdapter": DATAFRAME,
    "JsonInputAdapter": JSON,
    "StringInputAdapter": STRING,
    "NumpyInputAdapter": NUMPY,
}
_OUTPUTS = {
    "DataFrameOutputAdapter": FRAME,
    "DefaultOutputAdapter": FRAME,
    "AutodetectOutputAdapter": FRAME,
}


@dataclass(frozen=True)
class ModelIO:
    """How the server hands a request to predict() and sends its answer back."""

    input_kind: str = DATAFRAME
    output_kind: str = RECORDS
    output_orient: str = "records"
    notes: tuple[str, ...] = ()  # what the server should say when it starts (unsupported adapters)

    @property
    def mergeable(self) -> bool:
        """Whether several requests' records may go to one predict() and the answer be split back per request."""
        return self.input_kind == DATAFRAME and (
            self.output_kind == RECORDS or (self.output_kind == FRAME and self.output_orient == "records")
        )

    def read(self, body: bytes) -> list:
        """The request as a list: its records for a DataFrame input, else one item holding the adapted input."""
        if self.input_kind == DATAFRAME:
            return parse_records(body)
        text = _text(body)
        if self.input_kind in (STRING, RAW):
            return [text]
        try:
            data = fast_json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadRequest(f"body is not valid JSON: {exc}") from None
        if self.input_kind == NUMPY:
            import numpy as np  # pandas brings numpy into every model environment

            return [np.asarray(data)]
        return [data]

    def call(self, model: Any, request: list) -> Any:
        """predict() on one request (what read() returned, or several DataFrame requests' records merged)."""
        argument = to_frame(request) if self.input_kind == DATAFRAME else request[0]
        return self.pack(model.predict(argument))

    def pack(self, prediction: Any) -> Any:
        if self.output_kind == RECORDS:
            return as_list(prediction)
        if self.output_kind == FRAME and type(prediction).__name__ in ("DataFrame", "Series"):
            frame = prediction.to_frame() if type(prediction).__name__ == "Series" else prediction
            return fast_json.loads(frame.to_json(orient=self.output_orient))  # Qwak's DataFrameOutput: to_json(orient)
        return to_jsonable(prediction)


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"body is not UTF-8 text: {exc}") from None


def _kind(adapter: Any, table: dict[str, str]) -> Optional[str]:
    for cls in type(adapter).__mro__:
        if cls.__name__ in table:
            return table[cls.__name__]
    return None


def model_io(model: Any) -> ModelIO:
    """The adapters ``model.predict`` was decorated with; the plain DataFrame/list behaviour without them."""
    predict = getattr(model, "predict", None)
    inner = getattr(predict, "__wrapped__", predict)
    adapter_in = getattr(predict, "_input_adapter", getattr(inner, "_input_adapter", None))
    adapter_out = getattr(predict, "_output_adapter", getattr(inner, "_output_adapter", None))
    if adapter_in is None and adapter_out is None:
        return ModelIO()
    notes = []
    input_kind = _kind(adapter_in, _INPUTS) if adapter_in is not None else DATAFRAME
    if input_kind is None:
        notes.append(f"input adapter {type(adapter_in).__name__} is not supported; predict() gets the body as text")
        input_kind = RAW
    output_kind = _kind(adapter_out, _OUTPUTS) if adapter_out is not None else FRAME
    orient = getattr(adapter_out, "output_orient", None) or "records"
    return ModelIO(input_kind, output_kind or PLAIN, orient, tuple(notes))
