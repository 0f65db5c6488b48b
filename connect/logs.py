"""structlog setup: console on a TTY, JSON otherwise; secrets redacted in every line."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from connect.secrets import MASK, is_secret_key


def redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Mask any field whose name says it holds a secret, also inside dict values."""
    for key, value in list(event.items()):
        if is_secret_key(key):
            event[key] = MASK
        elif isinstance(value, dict):
            event[key] = {k: MASK if is_secret_key(str(k)) else v for k, v in value.items()}
    return event


def setup(fmt: str = "auto", level: str = "INFO") -> None:
    """Configure structlog (and stdlib logging of libraries) for this process."""
    as_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    numeric = logging.getLevelName(level.upper())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            structlog.processors.format_exc_info if as_json else structlog.dev.set_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
