"""One object being written: bytes are (optionally) gzipped, collected into parts, and each
full part is uploaded in the background while records keep coming.

An object that ends smaller than one part is sent with a single ``PutObject``;
larger ones use a multipart upload completed by ``complete()``. Nothing is visible in
the bucket before ``complete()`` returns, so an object either holds all its records or
does not exist.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Mapping
from typing import Any

from connect.api import ConnectError
from connectors.s3.storage import S3Storage


class BufferAccount:
    """Bytes held in memory by every open object of a task (``s3.buffer.max.bytes``)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self.uploads: set[asyncio.Future[Any]] = set()

    def add(self, n: int) -> None:
        self.total += n

    def release(self, n: int) -> None:
        self.total -= n

    @property
    def over(self) -> bool:
        return self.total > self.limit

    async def wait_for_upload(self) -> bool:
        """Wait until one in-flight part upload finishes; False when none is in flight."""
        pending = [t for t in self.uploads if not t.done()]
        if not pending:
            return False
        await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        return True


class ObjectUpload:
    """The bytes of one object on their way to ``key``."""

    def __init__(
        self,
        storage: S3Storage,
        key: str,
        metadata: Mapping[str, str],
        *,
        part_size: int,
        account: BufferAccount,
        gzip_level: int | None = None,
    ) -> None:
        self.storage = storage
        self.key = key
        self.metadata = dict(metadata)
        self.part_size = part_size
        self.account = account
        self._gzip = (
            zlib.compressobj(gzip_level if gzip_level is not None else -1, zlib.DEFLATED, 31)
            if gzip_level is not None
            else None
        )
        # bytes not yet shipped, as handed over: joined once per part (one copy)
        self._chunks: list[bytes] = []
        self._unsent = 0
        self._upload_id: asyncio.Task[str] | None = None
        self._parts: list[asyncio.Task[str]] = []
        self._in_flight = 0
        self.size = 0  # bytes of the object so far (compressed)
        self.done = False

    @property
    def buffered(self) -> int:
        """Bytes in memory for this object: the unsent buffer plus parts in flight."""
        return self._unsent + self._in_flight

    def write(self, data: bytes) -> None:
        """Append ``data``; ships a part in the background when one is full."""
        if not data:
            return
        if self._gzip is not None:
            data = self._gzip.compress(data)
            if not data:
                return
        self._chunks.append(data)
        self._unsent += len(data)
        self.size += len(data)
        self.account.add(len(data))
        if self._unsent >= self.part_size:
            self._ship()

    def write_many(self, chunks: list[bytes]) -> None:
        """``write`` each chunk; uncompressed ones are kept as they are (joined once per
        part), compressed ones are joined first so zlib sees fewer, larger inputs."""
        if self._gzip is not None or len(chunks) == 1:
            self.write(chunks[0] if len(chunks) == 1 else b"".join(chunks))
            return
        size = sum(map(len, chunks))
        if not size:
            return
        self._chunks.extend(chunks)
        self._unsent += size
        self.size += size
        self.account.add(size)
        if self._unsent >= self.part_size:
            self._ship()

    def _take(self) -> bytes:
        """The unsent bytes as one body (their account is released by the caller)."""
        chunks, self._chunks, self._unsent = self._chunks, [], 0
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _ship(self) -> None:
        body = self._take()
        if self._upload_id is None:
            self._upload_id = asyncio.ensure_future(
                self.storage.create_multipart(self.key, self.metadata)
            )
        number = len(self._parts) + 1
        self._in_flight += len(body)
        task = asyncio.ensure_future(self._upload_part(number, body))
        self._parts.append(task)
        self.account.uploads.add(task)
        task.add_done_callback(self.account.uploads.discard)

    async def _upload_part(self, number: int, body: bytes) -> str:
        assert self._upload_id is not None
        try:
            upload_id = await asyncio.shield(self._upload_id)
            return await self.storage.upload_part(self.key, upload_id, number, body)
        finally:
            self._in_flight -= len(body)
            self.account.release(len(body))

    def failed(self) -> BaseException | None:
        """The error of a finished background part upload, if one failed."""
        for task in self._parts:
            if task.done() and not task.cancelled() and task.exception() is not None:
                return task.exception()
        return None

    async def complete(self, metadata: Mapping[str, str] | None = None) -> None:
        """Make the object visible; ``metadata`` is added when it goes up in one request."""
        if self._gzip is not None:
            tail = self._gzip.flush()
            self._gzip = None
            if tail:
                self._chunks.append(tail)
                self._unsent += len(tail)
                self.size += len(tail)
                self.account.add(len(tail))
        try:
            if self._upload_id is None:
                unsent = self._unsent
                body = self._take()
                self._chunks, self._unsent = [body], unsent  # held (and counted) until sent
                await self.storage.put_object(self.key, body, {**self.metadata, **(metadata or {})})
            else:
                if self._unsent:
                    self._ship()
                etags = list(await asyncio.gather(*self._parts))
                upload_id = await self._upload_id
                await self.storage.complete_multipart(self.key, upload_id, etags)
        except BaseException:
            await self.abort()
            raise
        self._release_buffer()
        self.done = True

    def _release_buffer(self) -> None:
        self.account.release(self._unsent)
        self._chunks, self._unsent = [], 0

    def abort_soon(self) -> None:
        """``abort`` in the background (from code that cannot wait)."""
        task = asyncio.ensure_future(self.abort())
        self.account.uploads.add(task)
        task.add_done_callback(self.account.uploads.discard)

    async def abort(self) -> None:
        """Drop the object: cancel part uploads and abort the multipart upload if started."""
        self._release_buffer()
        self._gzip = None
        for task in self._parts:
            task.cancel()
        if self._parts:
            await asyncio.gather(*self._parts, return_exceptions=True)
        if self._upload_id is not None:
            upload = self._upload_id
            self._upload_id = None
            try:
                upload_id = await upload
            except (ConnectError, asyncio.CancelledError):
                return
            await self.storage.abort_multipart(self.key, upload_id)
