"""Reading objects back: decode the records of an object written by this sink.

Used by ``s3 verify`` to count the records of objects whose metadata does not carry
the count (multipart uploads), and by tests to compare what was archived.
"""

from __future__ import annotations

import gzip
import io
import json
from typing import Any

from connectors.s3.config import S3SinkConfig


def decompress(body: bytes, key: str) -> bytes:
    """The object's bytes without the ``.gz`` compression."""
    return gzip.decompress(body) if key.endswith(".gz") else body


def read_records(body: bytes, key: str, config: S3SinkConfig) -> list[Any]:
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


def count_records(body: bytes, key: str, config: S3SinkConfig) -> int:
    """How many records the object holds (cheap for JSON lines and Parquet)."""
    data = decompress(body, key)
    if config.format == "json":
        return data.count(b"\n")
    if config.format == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(io.BytesIO(data)).metadata.num_rows)
    return len(read_records(data, key.removesuffix(".gz"), config))
