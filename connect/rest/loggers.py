"""Log levels of stdlib loggers, named and shown the way Kafka Connect's log4j does.

Levels use log4j's names (TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF); Python's
WARNING and CRITICAL are accepted as input too. ``root`` is the root logger. Setting a
logger's level also sets every existing descendant (``a.b`` → ``a.b.c``), as Kafka
Connect does; setting ``root`` sets every logger.
"""

from __future__ import annotations

import logging
import time

TRACE = 5
OFF = logging.CRITICAL + 10

_BY_NAME = {
    "TRACE": TRACE,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
    "FATAL": logging.CRITICAL,
    "CRITICAL": logging.CRITICAL,
    "OFF": OFF,
}
_NAMES = {
    TRACE: "TRACE",
    logging.DEBUG: "DEBUG",
    logging.INFO: "INFO",
    logging.WARNING: "WARN",
    logging.ERROR: "ERROR",
    logging.CRITICAL: "FATAL",
    OFF: "OFF",
}
ROOT = "root"

_last_modified: dict[str, int] = {}


class UnknownLevel(ValueError):
    """The level name is not one of log4j's or Python's."""


def level_name(level: int) -> str:
    """log4j's name for a numeric level (the next named level up for odd numbers)."""
    if level in _NAMES:
        return _NAMES[level]
    for number in sorted(_NAMES):
        if level <= number:
            return _NAMES[number]
    return "OFF"


def parse_level(name: str) -> int:
    """The numeric level of a log4j or Python level name (any case)."""
    try:
        return _BY_NAME[name.strip().upper()]
    except KeyError:
        raise UnknownLevel(
            f"Invalid log level '{name}'; use one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF"
        ) from None


def _existing() -> dict[str, logging.Logger]:
    """Loggers that exist (not placeholders), by name, root included."""
    manager = logging.Logger.manager
    out = {
        name: logger
        for name, logger in list(manager.loggerDict.items())
        if isinstance(logger, logging.Logger)
    }
    out[ROOT] = logging.getLogger()
    return out


def _entry(name: str, logger: logging.Logger) -> dict[str, str | int | None]:
    return {
        "level": level_name(logger.getEffectiveLevel()),
        "last_modified": _last_modified.get(name),
    }


def all_levels() -> dict[str, dict[str, str | int | None]]:
    """``root`` and every logger whose level is set explicitly, sorted by name."""
    loggers = _existing()
    shown = {
        name: _entry(name, logger)
        for name, logger in loggers.items()
        if name == ROOT or logger.level != logging.NOTSET
    }
    return dict(sorted(shown.items()))


def get_level(name: str) -> dict[str, str | int | None] | None:
    """The effective level of an existing logger, or ``None`` if there is no such logger."""
    logger = _existing().get(name)
    return None if logger is None else _entry(name, logger)


def set_level(name: str, level: str) -> list[str]:
    """Set ``name`` and its existing descendants to ``level``; the names changed, sorted."""
    number = parse_level(level)
    loggers = _existing()
    if name == ROOT:
        targets = list(loggers)
    else:
        if name not in loggers:
            loggers[name] = logging.getLogger(name)
        prefix = name + "."
        targets = [n for n in loggers if n == name or n.startswith(prefix)]
    now = int(time.time() * 1000)
    for target in targets:
        loggers[target].setLevel(number)
        _last_modified[target] = now
    return sorted(targets)
