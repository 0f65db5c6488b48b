"""Kafka protocol structs, the encoding MirrorMaker 2 uses for its internal topics.

MM2 writes its offset syncs, checkpoints and heartbeats with Kafka's
``protocol.types.Schema``: fields back to back, no names, no tags. ``STRING`` is an
INT16 byte length followed by UTF-8; ``INT16``/``INT32``/``INT64`` are big-endian.

Decoding is strict: a record must be exactly one struct of the expected shape, or
:class:`WireError` is raised. JSON or any other foreign bytes fail (a JSON key starts
with ``{"`` = a string length of 31522, longer than any such record).
"""

from __future__ import annotations

import struct

import structlog

log = structlog.get_logger(__name__)

_INT16 = struct.Struct(">h")
_INT32 = struct.Struct(">i")
_INT64 = struct.Struct(">q")
_MAX_STRING = 32767


class WireError(ValueError):
    """Bytes that are not the expected MirrorMaker 2 struct."""


def string(value: str) -> bytes:
    """A Kafka protocol STRING: INT16 length + UTF-8 bytes."""
    data = value.encode()
    if len(data) > _MAX_STRING:
        raise WireError(f"string of {len(data)} bytes is longer than {_MAX_STRING}")
    return _INT16.pack(len(data)) + data


def int16(value: int) -> bytes:
    return _INT16.pack(value)


def int32(value: int) -> bytes:
    return _INT32.pack(value)


def int64(value: int) -> bytes:
    return _INT64.pack(value)


class Reader:
    """Reads fields off one record's bytes; :meth:`end` checks nothing is left over."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes | None) -> None:
        if data is None:
            raise WireError("no bytes (null key or value)")
        self._data = data
        self._pos = 0

    def _take(self, size: int) -> bytes:
        end = self._pos + size
        if end > len(self._data):
            raise WireError(f"needs {end} bytes, has {len(self._data)}")
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk

    def string(self) -> str:
        (length,) = _INT16.unpack(self._take(2))
        if length < 0:
            raise WireError(f"negative string length {length}")
        try:
            return self._take(length).decode()
        except UnicodeDecodeError as exc:
            raise WireError(f"string is not UTF-8: {exc}") from exc

    def int16(self) -> int:
        return int(_INT16.unpack(self._take(2))[0])

    def int32(self) -> int:
        return int(_INT32.unpack(self._take(4))[0])

    def int64(self) -> int:
        return int(_INT64.unpack(self._take(8))[0])

    def end(self) -> None:
        if self._pos != len(self._data):
            raise WireError(f"{len(self._data) - self._pos} bytes left over")


class ForeignRecords:
    """Records of another shape met in one of MM2's topics: skipped, one warning per topic.

    Such records come from earlier smart-connect versions (JSON) or other tools; they are
    never fatal. The first one is logged with the way out, the rest only counted.
    """

    def __init__(self, topic: str, kind: str) -> None:
        self.topic = topic
        self.kind = kind
        self.skipped = 0

    def skip(self, partition: int, offset: int, error: WireError) -> None:
        self.skipped += 1
        if self.skipped == 1:
            log.warning(
                f"skipping records that are not MirrorMaker 2 {self.kind}s",
                topic=self.topic,
                partition=partition,
                offset=offset,
                reason=str(error),
                hint="written by an earlier smart-connect (JSON) or another tool; "
                "see docs/mirror.md, 'Moving on from JSON internal topics'",
            )
