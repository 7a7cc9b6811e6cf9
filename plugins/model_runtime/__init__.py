"""Runs inside the build environment (venv, container or pod) and in serving processes.

Standard library only, plus the model's own dependencies: this package is copied into images and pods.

``python -m model_runtime install --source DIR``
    Installs DIR/.model_runtime_dependencies.json: the pip requirements the clone step translated from the
    model's requirements.txt, pyproject.toml or conda.yml (automations/dependencies.py, on the Airflow side);
    always adds pytest and pandas. Uses uv (``$MODEL_RUNTIME_UV`` or PATH) when present, else pip. Exit 3 on
    failure.
``python -m model_runtime build --source DIR --main-dir main --output OUT [--xcom-file F]``
    1. BuildSpecifications.parameters arrive as JSON in ``$MODEL_BUILD_PARAMETERS``; each one whose name is a valid
       env name is also exported as an environment variable (as Qwak does), unless the environment already sets it.
    2. Runs ``pytest tests/`` from DIR with DIR on sys.path (child process; the model's own pytest config is used
       if it has one). A failing test: exit 4, the output shows why.
    3. Instantiates the model (``main.load_model()`` if defined, else the one class in main/ with build() and
       predict()), calls build(). Metrics = qwak/frogml ``log_metric`` stores merged with the dict build()
       returned (which wins); finite numbers only, others dropped with a warning. A raising build: exit 5.
       Params = BuildSpecifications.parameters + ``log_param``'s; ``schema()`` is described (model_schema.py).
       qwak/frogml run in their local mode (libraries.py): ``log_data`` and ``ModelSchema`` call no server.
    4. Pickles the instance to OUT/model.pkl, copies DIR to OUT/src, writes OUT/result.json (and F).
``python -m model_runtime serve --artifact OUT [--host H] [--port P]``
    GET /health, GET /metrics, POST /predict on uvicorn (installed into this environment when missing);
    see serve.py for workers, timeout, max batch size and limits.
"""
