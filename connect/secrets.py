"""Keeping secrets out of logs, status and API responses."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "********"

_SECRET_KEY = re.compile(
    r"(password|passwd|secret|credential|token|sasl\.jaas\.config|secret[._]key|access[._]key)",
    re.IGNORECASE,
)


def is_secret_key(key: str, extra: Iterable[str] = ()) -> bool:
    """Whether a config key holds a secret (by name, or listed in ``extra``)."""
    return key in set(extra) or bool(_SECRET_KEY.search(key))


def mask(config: Mapping[str, Any], extra: Iterable[str] = ()) -> dict[str, Any]:
    """A copy of ``config`` with secret values replaced by a mask."""
    extra = set(extra)
    out: dict[str, Any] = {}
    for key, value in config.items():
        if is_secret_key(key, extra) and value is not None:
            out[key] = MASK
        elif isinstance(value, Mapping):
            out[key] = mask(value, extra)
        else:
            out[key] = value
    return out
