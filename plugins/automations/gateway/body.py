"""Request bodies through the gateway, in bounded memory.

A body that declares a Content-Length over the gateway's limit is refused (413) before a byte of it is read. A small
body (BUFFER_BYTES at most, every usual /predict) is held whole, so a request whose upstream connection fails during
a swap can be sent again. Any other body (large, or chunked without a length) is passed on as it arrives, a chunk
at a time, counted: past the limit the upstream request is cut off and the client gets 413. Such a body is sent
again only if none of it had been sent yet.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Optional

from aiohttp import StreamReader

BUFFER_BYTES = 1024 * 1024


class BodyTooLarge(Exception):
    """The body passed the gateway's limit while it was being passed on."""


class Body:
    """One request's body, as ``data`` for the upstream request (bytes, or a fresh counted stream per attempt)."""

    def __init__(self, held: Optional[bytes] = None, stream: Optional[StreamReader] = None, limit: int = 0) -> None:
        self.held, self.stream, self.limit = held, stream, limit
        self.sent = 0  # bytes of a streamed body already handed to an upstream request
        self.too_large = False

    @classmethod
    async def of(cls, content: StreamReader, declared: Optional[int], limit: int) -> Body:
        if declared is not None and declared <= BUFFER_BYTES:
            return cls(held=await content.read())  # the payload ends at the declared length
        return cls(stream=content, limit=limit)

    def retryable(self) -> bool:
        return self.held is not None or self.sent == 0

    def data(self) -> bytes | AsyncIterator[bytes]:
        return self.held if self.held is not None else self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        assert self.stream is not None
        async for chunk in self.stream.iter_any():
            self.sent += len(chunk)
            if self.sent > self.limit:
                self.too_large = True
                raise BodyTooLarge()
            yield chunk
