"""The baseline of ``make bench-serve``: the same model behind Flask on gunicorn's sync workers (Qwak's stack).

It uses the runtime's own loading and payload code, so only the HTTP stack differs from ``model_runtime serve``.
Run as ``gunicorn -w N -k sync bench.serve_flask:app`` with ``BENCH_ARTIFACT`` set to a build's output directory.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Flask, Response, request

from model_runtime.payload import BadRequest, as_list, parse_records, to_frame, warm_up
from model_runtime.serve import load_artifact

app = Flask(__name__)
model = load_artifact(Path(os.environ["BENCH_ARTIFACT"]))
warm_up()  # import pandas (and what sklearn loads lazily) before the first request, as our server does


def _json(status: int, payload: object) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")


@app.get("/health")
def health() -> Response:
    return _json(200, {"status": "ok"})


@app.post("/predict")
def predict() -> Response:
    try:
        records = parse_records(request.get_data())
    except BadRequest as exc:
        return _json(400, {"error": str(exc)})
    return _json(200, as_list(model.predict(to_frame(records))))
