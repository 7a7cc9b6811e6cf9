"""The third peer of ``make bench-serve``: the same pickled model behind MLServer (Seldon), in its own venv.

A custom MLServer runtime (``MLModel``) that loads the build output with the runtime's own loader and calls the
model's ``predict(df)``; requests use MLServer's V2 inference protocol with its pandas codec (one input per
column), the way a scikit-learn model behind MLServer is called. MLServer's inference pool
(``parallel_workers``) gets the same number of worker processes as the other servers.
"""

from __future__ import annotations

import os
from pathlib import Path

from mlserver import MLModel
from mlserver.codecs import PandasCodec
from mlserver.types import InferenceRequest, InferenceResponse

from model_runtime.payload import to_frame
from model_runtime.serve import load_artifact


class ArtifactModel(MLModel):
    async def load(self) -> bool:
        self._model = load_artifact(Path(os.environ["BENCH_ARTIFACT"]))
        to_frame([])  # import pandas before the first request, as our server does
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        frame = PandasCodec.decode_request(payload)
        return PandasCodec.encode_response(self.name, self._model.predict(frame))
