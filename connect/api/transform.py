"""Single message transforms and the predicates that gate them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel

from connect.api.config import ConnectorConfig
from connect.api.records import ConnectRecord

R = TypeVar("R", bound=ConnectRecord)


class Transformation(ABC):
    """Record → record, or ``None`` to drop it.

    ``configure`` receives the options under ``transforms.<alias>.`` (prefix removed);
    validate them with ``config_model`` so a bad option names its key. Works on both
    source and sink records (``ConnectRecord`` fields; change them with ``with_``).
    """

    config_model: ClassVar[type[BaseModel]] = ConnectorConfig
    aliases: ClassVar[tuple[str, ...]] = ()
    version: ClassVar[str] = "0.0.0"

    def configure(self, config: Mapping[str, Any]) -> None:
        """Validate and keep the options; the default validates against ``config_model``."""
        self.options = self.config_model.model_validate(dict(config))

    @abstractmethod
    def apply(self, record: R) -> R | None:
        """The transformed record, or ``None`` to drop it."""

    def close(self) -> None:
        """Release resources."""


class Predicate(ABC):
    """A test on a record; gates a transform (``transforms.<x>.predicate``)."""

    config_model: ClassVar[type[BaseModel]] = ConnectorConfig
    aliases: ClassVar[tuple[str, ...]] = ()
    version: ClassVar[str] = "0.0.0"

    def configure(self, config: Mapping[str, Any]) -> None:
        """Validate and keep the options under ``predicates.<alias>.``."""
        self.options = self.config_model.model_validate(dict(config))

    @abstractmethod
    def test(self, record: ConnectRecord) -> bool:
        """Whether the record matches."""
