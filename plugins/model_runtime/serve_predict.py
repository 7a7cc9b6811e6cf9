"""predict() off the event loop, with max_batch_size as Qwak's serving meant it, and a per-request timeout.

max_batch_size, as in Qwak's BentoML-based serving (``mb_max_batch_size``): the most *requests* whose records are
merged into one predict() call. A request is never split, so a 100-record request is one predict() on 100 rows
whatever the setting. The default 1 merges nothing. Above 1, requests that queued up while the previous
predict() ran go into the next call together (no added wait: a batch leaves as soon as the model is free).

One predict() runs at a time per worker, in one thread: most models are not thread-safe, and the event loop
stays free to answer /health, /metrics and new connections while the model works.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .adapters import ModelIO


class PredictTimeout(Exception):
    """The request's prediction did not finish within http_request_timeout_ms."""


@dataclass
class _Pending:
    records: list[dict]
    future: asyncio.Future = field(repr=False)


def predict_once(model: Any, records: list, io: ModelIO | None = None) -> Any:
    """predict() on one request, through the model's @api adapters when it has them (adapters.py)."""
    return (io or ModelIO()).call(model, records)


def predict_merged(model: Any, groups: list[list], io: ModelIO | None = None) -> list[Any]:
    """One predict() on all groups' records, split back per group; per group if the answer does not line up."""
    if len(groups) == 1:
        return [predict_once(model, groups[0], io)]
    merged = [record for group in groups for record in group]
    predictions = predict_once(model, merged, io)
    if not isinstance(predictions, list) or len(predictions) != len(merged):  # cannot tell whose is whose
        return [predict_once(model, group, io) for group in groups]
    out, start = [], 0
    for group in groups:
        out.append(predictions[start : start + len(group)])
        start += len(group)
    return out


class Predictor:
    """Queue of /predict requests of one worker, fed to the model ``max_batch`` requests at a time."""

    def __init__(
        self, model: Any, max_batch: int, timeout_s: float, on_stuck: Callable[[], None], io: ModelIO | None = None
    ) -> None:
        self.io = io or ModelIO()
        # Requests whose input is not a DataFrame of records (an @api JSON/string adapter) cannot be merged.
        max_batch = max_batch if self.io.mergeable else 1
        self.model, self.max_batch, self.timeout_s, self.on_stuck = model, max(1, max_batch), timeout_s, on_stuck
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="predict")
        self.queue: list[_Pending] = []
        self.runner: asyncio.Task | None = None

    async def predict(self, records: list) -> Any:
        """The request's predictions; PredictTimeout after timeout_s (queueing included)."""
        loop = asyncio.get_running_loop()
        pending = _Pending(records, loop.create_future())
        self.queue.append(pending)
        if self.runner is None or self.runner.done():
            self.runner = asyncio.create_task(self._run())
        # One timer on the loop, not wait_for(shield(...)): that is two more futures and a task switch per request.
        timer = loop.call_later(self.timeout_s, self._expire, pending.future)
        try:
            return await pending.future
        finally:
            timer.cancel()

    def _expire(self, future: asyncio.Future) -> None:
        if future.done():
            return
        # Its answer, when it comes, goes nowhere (_settle). The model thread cannot be interrupted: this worker
        # hands over to a fresh one (see serve_worker).
        future.set_exception(PredictTimeout(f"prediction took longer than {round(self.timeout_s * 1000)} ms"))
        self.on_stuck()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self.queue:
            batch, self.queue = self.queue[: self.max_batch], self.queue[self.max_batch :]
            groups = [p.records for p in batch]
            try:
                results = await loop.run_in_executor(self.executor, predict_merged, self.model, groups, self.io)
            except Exception as exc:  # the model's error goes back to every request of the batch
                for p in batch:
                    _settle(p.future, exc=exc)
                continue
            for p, result in zip(batch, results, strict=True):
                _settle(p.future, result=result)


def _settle(future: asyncio.Future, result: Any = None, exc: BaseException | None = None) -> None:
    if future.done():  # its request already timed out
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)
