"""The local gateway: stable URLs for local and Docker deployments, zero-downtime swaps, per-model routing.

One process per state directory (started by the first deploy, detached like the model servers). It listens on
  * one port per automation variation, assigned once (probed free at first use, kept in ``ports.json``), and
    forwards everything (/predict, /health, /metrics) to whichever server currently serves that variation;
  * one "models" port answering Qwak's layout, ``POST /v1/<model_id>/predict``, split across the model's deployed
    variations by their ``traffic_weight``.
A deploy starts the new server on a private port, waits for its /health, records it, waits until the gateway
routes to it, and only then stops the old server, which drains its in-flight requests. The gateway also
restarts a local server that crashed (back-off, logged, counted in the deployment record).
"""
