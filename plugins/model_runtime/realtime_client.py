"""The ``real_time_client`` that Qwak's / JFrog ML's integration tests (``tests/it/``) receive, pointed at the
model we just deployed.

It behaves like qwak-inference's ``RealTimeClient.predict``: a DataFrame is sent as ``to_json(orient=...)``
("split" by default), a list or dict as JSON; the answer comes back parsed (DICTIONARY, the default), as a
DataFrame (PANDAS) or as bytes (RAW). No Qwak login: the endpoint is ours. Standard library only (pandas lazily).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from enum import Enum
from typing import Any


class InferenceOutputFormat(Enum):  # qwak_inference.realtime_client.client.InferenceOutputFormat's values
    PANDAS = 1
    DICTIONARY = 2
    RAW = 3


class PredictionFailed(RuntimeError):
    """The endpoint answered an error status; the message carries it and the body."""


def _format_name(output_format: Any) -> str:
    return str(getattr(output_format, "name", output_format)).upper()  # theirs or ours, or a plain string


class LocalRealTimeClient:
    def __init__(self, model_api: str, model_id: str = "", timeout_s: float = 60.0) -> None:
        self.model_api, self.model_id, self.timeout_s = model_api, model_id, timeout_s

    def predict(
        self,
        feature_vectors: Any,
        output_format: Any = InferenceOutputFormat.DICTIONARY,
        metadata: dict | None = None,
        orient: str = "split",
    ) -> Any:
        if type(feature_vectors).__name__ == "DataFrame":
            feature_vectors = feature_vectors.to_json(orient=orient)
        if isinstance(feature_vectors, (dict, list)):
            feature_vectors = json.dumps(feature_vectors)
        body = feature_vectors.encode() if isinstance(feature_vectors, str) else feature_vectors
        request = urllib.request.Request(
            self.model_api, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                content = response.read()
        except urllib.error.HTTPError as exc:
            raise PredictionFailed(f"{exc.code}: {exc.read().decode(errors='replace')[:2000]}") from None
        kind = _format_name(output_format)
        if kind == "RAW":
            return content
        if kind == "PANDAS":
            import pandas as pd

            return pd.DataFrame(json.loads(content))
        return json.loads(content)
