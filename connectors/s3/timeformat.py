"""Joda-Time style date patterns (``'year'=YYYY/'month'=MM``), as Kafka Connect's
time-based partitioner takes them.

Letters: ``y``/``Y`` year (``yy`` two digits), ``M`` month (``MMM`` short name, ``MMMM``
full name), ``d`` day of month, ``D`` day of year, ``H`` hour 0-23, ``h`` hour 1-12,
``a`` AM/PM, ``m`` minute, ``s`` second, ``S`` millisecond, ``E`` weekday name,
``w`` ISO week. A run of a letter pads its number to the run's length. Text in single
quotes is copied as it is (``''`` is a quote); other characters are copied too.
Names are English.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import datetime

Piece = Callable[[datetime], str]

_NUMERIC: dict[str, Callable[[datetime], int]] = {
    "y": lambda t: t.year,
    "Y": lambda t: t.year,
    "d": lambda t: t.day,
    "D": lambda t: t.timetuple().tm_yday,
    "H": lambda t: t.hour,
    "h": lambda t: (t.hour % 12) or 12,
    "m": lambda t: t.minute,
    "s": lambda t: t.second,
    "S": lambda t: t.microsecond // 1000,
    "w": lambda t: t.isocalendar()[1],
}


def _number(letter: str, width: int) -> Piece:
    get = _NUMERIC[letter]
    if letter in "yY" and width == 2:
        return lambda t: f"{get(t) % 100:02d}"
    return lambda t: f"{get(t):0{width}d}"


def _month(width: int) -> Piece:
    if width >= 4:
        return lambda t: calendar.month_name[t.month]
    if width == 3:
        return lambda t: calendar.month_abbr[t.month]
    return lambda t: f"{t.month:0{width}d}"


def _weekday(width: int) -> Piece:
    if width >= 4:
        return lambda t: calendar.day_name[t.weekday()]
    return lambda t: calendar.day_abbr[t.weekday()]


def _literal(text: str) -> Piece:
    return lambda t: text


def compile_pattern(pattern: str) -> list[Piece]:
    """The pieces of ``pattern``; ``ValueError`` names an unsupported letter."""
    pieces: list[Piece] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "'":
            end = i + 1
            text = []
            while end < n:
                if pattern[end] == "'":
                    if end + 1 < n and pattern[end + 1] == "'":
                        text.append("'")
                        end += 2
                        continue
                    break
                text.append(pattern[end])
                end += 1
            else:
                raise ValueError(f"unterminated quote in {pattern!r}")
            pieces.append(_literal("".join(text) if text or end > i + 1 else "'"))
            i = end + 1
            continue
        if ch.isalpha():
            end = i
            while end < n and pattern[end] == ch:
                end += 1
            width = end - i
            if ch == "M":
                pieces.append(_month(width))
            elif ch == "E":
                pieces.append(_weekday(width))
            elif ch == "a":
                pieces.append(lambda t: "AM" if t.hour < 12 else "PM")
            elif ch in _NUMERIC:
                pieces.append(_number(ch, width))
            else:
                raise ValueError(f"unsupported letter {ch!r} in date pattern {pattern!r}")
            i = end
            continue
        pieces.append(_literal(ch))
        i += 1
    return pieces


class TimeFormat:
    """A compiled Joda-style pattern; ``format(datetime)`` renders it."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._pieces = compile_pattern(pattern)

    def format(self, moment: datetime) -> str:
        """Render ``moment`` (an aware datetime, already in the wanted zone)."""
        return "".join(piece(moment) for piece in self._pieces)
