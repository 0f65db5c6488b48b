"""structlog setup: console on a TTY, JSON otherwise; secrets redacted in every line.

Every line goes through one stdlib handler whose formatter is structlog's, so libraries'
own stdlib log lines (aiokafka, uvicorn ...) come out in the same format: with
``--log-format json`` the output is JSON lines only. Levels live in stdlib loggers, so
``/admin/loggers`` shows and changes the level actually in force.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, Literal

import structlog

from connect.secrets import MASK, is_secret_key

FORMATS = ("auto", "console", "json")
LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "CRITICAL", "FATAL")
QUIET_LIBRARIES = ("aiokafka", "kafka", "uvicorn", "botocore", "boto3", "urllib3", "asyncio")
"""Chatty below WARNING: shown at DEBUG only."""
_HANDLER_NAME = "smart-connect"


class BadLogSetting(ValueError):
    """A log format or level that does not exist."""


def redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Mask any field whose name says it holds a secret, also inside dict values."""
    for key, value in list(event.items()):
        if is_secret_key(key):
            event[key] = MASK
        elif isinstance(value, dict):
            event[key] = {k: MASK if is_secret_key(str(k)) else v for k, v in value.items()}
    return event


def _stdlib_level(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Kafka Connect's level names (``warn``, not ``warning``) and the logger's name."""
    if event.get("level") == "warning":
        event["level"] = "warn"
    return event


def parse_level(level: str) -> int:
    """A level name as a number; ``BadLogSetting`` names the allowed ones."""
    name = level.strip().upper()
    if name not in LEVELS:
        raise BadLogSetting(
            f"--log-level: unknown level {level!r}; use one of DEBUG, INFO, WARN, ERROR"
        )
    special = {"TRACE": 5, "WARN": logging.WARNING, "FATAL": logging.CRITICAL}
    return special[name] if name in special else int(logging.getLevelName(name))


def check_format(fmt: str) -> Literal["auto", "console", "json"]:
    """The format, or ``BadLogSetting`` naming the allowed ones."""
    if fmt not in FORMATS:
        raise BadLogSetting(f"--log-format: unknown format {fmt!r}; use auto, console or json")
    return fmt  # type: ignore[return-value]


def setup(fmt: str = "auto", level: str = "INFO") -> None:
    """Configure structlog and stdlib logging for this process (once, or again to change)."""
    numeric = parse_level(level)
    as_json = check_format(fmt) == "json" or (fmt == "auto" and not sys.stderr.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        _stdlib_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact,
    ]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.format_exc_info if as_json else structlog.dev.set_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            *shared,
            structlog.stdlib.ExtraAdder(),
            structlog.processors.format_exc_info if as_json else structlog.dev.set_exc_info,
        ],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric)
    quiet = numeric if numeric <= logging.DEBUG else max(numeric, logging.WARNING)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(quiet)
    logging.captureWarnings(True)
