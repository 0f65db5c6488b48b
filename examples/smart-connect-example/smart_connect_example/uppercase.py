"""``Uppercase``: upper-cases string values."""

from __future__ import annotations

from connect.api import Transformation
from connect.api.transform import R


class Uppercase(Transformation):
    """Upper-cases a string value; other values pass unchanged."""

    version = "1.0.0"

    def apply(self, record: R) -> R | None:
        if isinstance(record.value, str):
            return record.with_(value=record.value.upper())
        return record
