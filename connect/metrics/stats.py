"""Small windowed statistics: rates from sampled totals, min/max/avg of recent samples.

Kafka's sensors keep two 30 s samples; these do the same with cheap arithmetic so the
hot loops only add to plain numbers.
"""

from __future__ import annotations

import time
from collections import deque

WINDOW_S = 30.0


class Rate:
    """Per-second rate of a growing total, from samples taken at most once a second."""

    __slots__ = ("_samples", "window")

    def __init__(self, window: float = WINDOW_S, start: float | None = None) -> None:
        """``start``: when the total was 0 (so a burst before the first sample counts)."""
        self.window = window
        self._samples: deque[tuple[float, float]] = deque()
        if start is not None:
            self._samples.append((start, 0.0))

    def sample(self, total: float, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        samples = self._samples
        if samples and now - samples[-1][0] < 1.0:
            return
        samples.append((now, total))
        # keep one sample at or before the window's start, so the rate spans the window
        while len(samples) > 2 and now - samples[1][0] >= self.window:
            samples.popleft()

    def value(self, total: float, now: float | None = None) -> float:
        """The rate up to ``total`` now; under a second of history counts as one second
        (as Kafka's rates keep a minimum window), so a quick burst is seen at once."""
        now = time.monotonic() if now is None else now
        self.sample(total, now)
        first_t, first_total = self._samples[0]
        return (total - first_total) / max(now - first_t, 1.0)


class Average:
    """A cumulative average (Kafka's ``*-avg`` over the task's life here)."""

    __slots__ = ("count", "total")

    def __init__(self) -> None:
        self.total = 0.0
        self.count = 0

    def add(self, value: float) -> None:
        self.total += value
        self.count += 1

    @property
    def value(self) -> float:
        return self.total / self.count if self.count else 0.0


class Window:
    """Last, min, max and average of the samples of the last ``window`` seconds.

    Two half-windows: a new one starts every ``window / 2`` s and the oldest is
    dropped, so the figures cover between a half and a whole window.
    """

    __slots__ = ("_current", "_previous", "_started", "half", "last")

    def __init__(self, window: float = WINDOW_S) -> None:
        self.half = window / 2
        self.last = 0.0
        self._started: float | None = None
        self._current: list[float] = [0, 0.0, float("inf"), float("-inf")]  # n, sum, min, max
        self._previous: list[float] = [0, 0.0, float("inf"), float("-inf")]

    def _roll(self, now: float) -> None:
        if self._started is None:
            self._started = now
        elif now - self._started >= self.half:
            expired = now - self._started >= 2 * self.half
            self._previous = [0, 0.0, float("inf"), float("-inf")] if expired else self._current
            self._current = [0, 0.0, float("inf"), float("-inf")]
            self._started = now

    def record(self, value: float, now: float | None = None) -> None:
        self._roll(time.monotonic() if now is None else now)
        c = self._current
        c[0] += 1
        c[1] += value
        if value < c[2]:
            c[2] = value
        if value > c[3]:
            c[3] = value
        self.last = value

    def summary(self, now: float | None = None) -> tuple[float, float, float, float]:
        """``(last, min, max, avg)``; min/max/avg are 0 without recent samples."""
        self._roll(time.monotonic() if now is None else now)
        n = self._current[0] + self._previous[0]
        if not n:
            return self.last, 0.0, 0.0, 0.0
        low = min(self._current[2], self._previous[2])
        high = max(self._current[3], self._previous[3])
        avg = (self._current[1] + self._previous[1]) / n
        return self.last, low, high, avg
