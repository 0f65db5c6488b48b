"""Reading objects back: decode the records of an object written by the sink.

``iter_archived`` streams an object's records as ``Archived``; ``iter_archived_parts`` the
same in parts that are read and decoded in two steps, each with its size in memory (the
``s3-source`` reads in a thread and decodes on the event loop; ``s3 restore --dry-run``
does both in turn); ``read_records``/``count_records`` give the raw documents
(``s3 verify`` counts the records of multipart objects; tests compare what was archived).
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable, Iterator
from functools import partial
from itertools import islice
from typing import IO, Any

from connectors.s3.config import S3StoreConfig
from connectors.s3.envelope import READERS, Archived, from_json_envelopes
from connectors.s3.layout import ParsedKey

CHUNK = 1024 * 1024
# JSON envelopes are read JSON_READ at a time in a thread (fewer, larger reads: the thread
# takes the GIL less often from the loop) and decoded later, a part of about JSON_CHUNK
# at a time, on the event loop: ~170 records of 1 KB, a few milliseconds of the loop
JSON_READ = 1024 * 1024
JSON_CHUNK = 256 * 1024
CHUNK_RECORDS = 1000  # records per list for the formats read one record at a time

Part = tuple[int, Callable[[], list[Archived]]]
"""A part of an object already read: its size (bytes, an estimate of what its records take
in memory) and the call that decodes it into records."""


def decompress(body: bytes, key: str) -> bytes:
    """The object's bytes without the ``.gz`` compression."""
    return gzip.decompress(body) if key.endswith(".gz") else body


def read_records(body: bytes, key: str, config: S3StoreConfig) -> list[Any]:
    """The records of one object: JSON documents, raw byte strings, Avro or Parquet rows."""
    data = decompress(body, key)
    if config.format == "json":
        return [json.loads(line) for line in data.split(b"\n") if line]
    if config.format == "bytes":
        sep = config.bytes_separator.encode("utf-8")
        parts = data.split(sep)
        if parts and parts[-1] == b"":
            parts.pop()
        return parts
    if config.format == "avro":
        from fastavro import reader

        return list(reader(io.BytesIO(data)))
    if config.format == "parquet":
        import pyarrow.parquet as pq

        return list(pq.read_table(io.BytesIO(data)).to_pylist())
    raise ValueError(f"unknown format {config.format!r}")


def count_records(body: bytes, key: str, config: S3StoreConfig) -> int:
    """How many records the object holds (cheap for JSON lines and Parquet)."""
    data = decompress(body, key)
    if config.format == "json":
        return data.count(b"\n")
    if config.format == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(io.BytesIO(data)).metadata.num_rows)
    return len(read_records(data, key.removesuffix(".gz"), config))


def _split(stream: IO[bytes], separator: bytes) -> Iterator[bytes]:
    """The pieces of ``stream`` between separators, read a chunk at a time."""
    rest = b""
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        pieces = (rest + chunk).split(separator)
        rest = pieces.pop()
        yield from pieces
    if rest:
        yield rest


def iter_archived(
    stream: IO[bytes], key: str, parsed: ParsedKey, config: S3StoreConfig
) -> Iterator[Archived]:
    """The records of one object, streamed (Parquet is read whole: its footer comes last).

    Envelopes give each record's coordinates; plain formats only hold values (and keys for
    bytes with ``store.kafka.keys``), numbered from the start offset in the object's key.
    """
    if key.endswith(".gz"):
        stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
    topic, partition, start = parsed.topic, parsed.partition, parsed.start_offset
    envelope = config.envelope and config.format in READERS
    if config.format == "json":
        loads = json.loads
        if envelope:
            read = READERS["json"]
            for line in _split(stream, b"\n"):
                if line:
                    yield read(loads(line))
            return
        index = 0
        for line in _split(stream, b"\n"):
            if line:
                yield Archived(topic, partition, start + index, None, None, loads(line))
                index += 1
        return
    if config.format == "bytes":
        key_sep = config.bytes_key_separator.encode("utf-8")
        for index, piece in enumerate(_split(stream, config.bytes_separator.encode("utf-8"))):
            if config.store_keys:
                k, _, v = piece.partition(key_sep)
                yield Archived(topic, partition, start + index, None, k, v)
            else:
                yield Archived(topic, partition, start + index, None, None, piece)
        return
    rows: Iterator[Any]
    if config.format == "avro":
        from fastavro import reader

        rows = iter(reader(stream))
    elif config.format == "parquet":
        import pyarrow.parquet as pq

        table = pq.ParquetFile(io.BytesIO(stream.read()))
        rows = (row for batch in table.iter_batches(batch_size=4096) for row in batch.to_pylist())
    else:
        raise ValueError(f"unknown format {config.format!r}")
    if envelope:
        read = READERS[config.format]
        for row in rows:
            yield read(row)
        return
    for index, row in enumerate(rows):
        value = row
        if config.format == "parquet" and isinstance(row, dict) and list(row) == ["value"]:
            value = row["value"]
        yield Archived(topic, partition, start + index, None, None, value)


def record_size(record: Archived) -> int:
    """Bytes (estimated) a record takes in memory."""
    size = 64
    for part in (record.key, record.value):
        size += len(part) if isinstance(part, bytes | str) else 0 if part is None else 256
    for name, value in record.headers:
        size += len(name) + len(value or b"")
    return size


def _json_lines(data: bytes) -> list[Any]:
    """The documents of complete JSON lines, parsed in one call (a JSON text holds no raw
    newline, so the lines joined by commas are an array); blank or bad lines take the
    line-by-line way, which names the error."""
    try:
        docs: list[Any] = json.loads(b"[" + data.rstrip(b"\n").replace(b"\n", b",") + b"]")
        return docs
    except ValueError:
        return [json.loads(line) for line in data.split(b"\n") if line.strip()]


def _decode_json_envelopes(data: bytes) -> list[Archived]:
    return from_json_envelopes(_json_lines(data))


def _json_envelope_parts(stream: IO[bytes]) -> Iterator[Part]:
    rest = b""
    while True:
        chunk = stream.read(JSON_READ)
        if not chunk:
            break
        data = rest + chunk if rest else chunk
        start, end = 0, data.rfind(b"\n") + 1
        rest = data[end:]
        while start < end:  # parts of about JSON_CHUNK, each ending a line
            cut = (
                data.rfind(b"\n", start, start + JSON_CHUNK) + 1
                if end - start > JSON_CHUNK
                else end
            )
            if cut <= start:  # a line longer than JSON_CHUNK
                cut = data.find(b"\n", start) + 1
            # the envelope's text (base64 is 4/3 of the bytes) bounds what its records take
            yield cut - start, partial(_decode_json_envelopes, data[start:cut])
            start = cut
    if rest.strip():
        yield len(rest), partial(_decode_json_envelopes, rest)


def _decoded(records: list[Archived]) -> list[Archived]:
    return records


def iter_archived_parts(
    stream: IO[bytes], key: str, parsed: ParsedKey, config: S3StoreConfig
) -> Iterator[Part]:
    """The records of one object, as ``iter_archived`` gives them, in parts: iterating reads
    (it blocks on the stream), calling a part decodes it. JSON envelopes (the restore's hot
    path) are decoded by the call; other formats are decoded as they are read."""
    if config.format == "json" and config.envelope:
        if key.endswith(".gz"):
            stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
        yield from _json_envelope_parts(stream)
        return
    records = iter_archived(stream, key, parsed, config)
    while chunk := list(islice(records, CHUNK_RECORDS)):
        yield sum(map(record_size, chunk)), partial(_decoded, chunk)
