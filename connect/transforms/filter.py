"""Filter: drop records (usually gated by a predicate)."""

from __future__ import annotations

from connect.api import Transformation
from connect.transforms.base import VERSION, R


class Filter(Transformation):
    """Drop every record it is applied to; pair it with a predicate to drop some."""

    version = VERSION

    aliases = ("org.apache.kafka.connect.transforms.Filter",)

    def apply(self, record: R) -> R | None:
        return None
