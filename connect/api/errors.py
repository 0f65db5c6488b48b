"""Errors raised by plugins and the runtime.

ConnectError            root; ``retriable`` says whether retrying may succeed
├── RetriableError      a transient failure (network, throttling, 5xx): retry
├── BackpressureError   the target is slow: pause, then retry after ``retry_after``
├── ConfigError         a configuration is invalid; names the key
└── DataError           a record cannot be converted or handled
"""

from __future__ import annotations


class ConnectError(Exception):
    """Root of every smart-connect error."""

    retriable: bool = False

    def __init__(self, message: str = "", *, retriable: bool | None = None) -> None:
        super().__init__(message)
        if retriable is not None:
            self.retriable = retriable


class RetriableError(ConnectError):
    """A transient failure; the same operation may succeed when retried."""

    retriable = True


class BackpressureError(RetriableError):
    """The target cannot take more now; paused and retried after ``retry_after`` seconds."""

    def __init__(self, message: str = "target is busy", *, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConfigError(ConnectError):
    """A configuration value is invalid; ``key`` names it."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key


class DataError(ConnectError):
    """A record cannot be converted, transformed or delivered as it is."""
