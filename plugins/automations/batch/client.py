"""One predict call: rows out as a JSON list of records to ``<endpoint>/predict``, predictions back as a frame."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

TIMEOUT_S = 300


class PredictError(RuntimeError):
    """The model server refused or failed a batch of rows."""


def predict(endpoint: str, rows: pd.DataFrame, timeout_s: float = TIMEOUT_S) -> pd.DataFrame:
    import pandas as pd

    body = rows.to_json(orient="records").encode()  # NaN -> null, numpy scalars -> JSON numbers
    request = urllib.request.Request(
        f"{endpoint.rstrip('/')}/predict", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as err:
        detail = err.read()[:300].decode(errors="replace")
        raise PredictError(f"the model server answered HTTP {err.code}: {detail}") from None
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise PredictError(f"no usable answer from {endpoint}: {err}") from None
    if not isinstance(answer, list) or len(answer) != len(rows):
        got = len(answer) if isinstance(answer, list) else type(answer).__name__
        raise PredictError(f"the model server returned {got} predictions for {len(rows)} rows")
    if answer and all(isinstance(item, dict) for item in answer):
        return pd.DataFrame.from_records(answer)
    return pd.DataFrame({"prediction": answer})
