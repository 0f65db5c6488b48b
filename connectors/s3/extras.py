"""Optional dependencies of the S3 connectors, imported on demand with the install hint."""

from __future__ import annotations

from typing import Any

from connect.api import ConfigError

PARQUET_HINT = "format.class parquet needs pyarrow: pip install 'smart-connect[parquet]'"


def require_pyarrow() -> Any:
    """Import pyarrow (the ``parquet`` extra) or fail with the install command."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as exc:
        raise ConfigError(PARQUET_HINT, key="format.class") from exc
    return pyarrow
