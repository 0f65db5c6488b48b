"""Java ``SimpleDateFormat`` patterns (``yyyy-MM-dd HH:mm:ss``), as Kafka Connect users write them.

TimestampConverter and TimestampRouter take their ``format`` options in this syntax. A
pattern containing ``%`` is taken as a Python ``strftime`` pattern instead. Times are
formatted in UTC, as Kafka Connect does; a parsed text without a zone is UTC.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_TOKEN = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*|[^A-Za-z']+")
_SUPPORTED = set("yMdHhkKmsSaEDZXz")


def _offset(dt: datetime, colon: bool) -> str:
    delta = dt.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hh, mm = divmod(abs(minutes), 60)
    return f"{sign}{hh:02d}:{mm:02d}" if colon else f"{sign}{hh:02d}{mm:02d}"


def _formatter(letter: str, n: int) -> Callable[[datetime], str]:
    def num(get: Callable[[datetime], int]) -> Callable[[datetime], str]:
        return lambda dt: str(get(dt)).zfill(n)

    table: dict[str, Callable[[datetime], str]] = {
        "y": (lambda dt: f"{dt.year % 100:02d}") if n == 2 else num(lambda dt: dt.year),
        "d": num(lambda dt: dt.day),
        "H": num(lambda dt: dt.hour),
        "k": num(lambda dt: dt.hour or 24),
        "K": num(lambda dt: dt.hour % 12),
        "h": num(lambda dt: dt.hour % 12 or 12),
        "m": num(lambda dt: dt.minute),
        "s": num(lambda dt: dt.second),
        "S": num(lambda dt: dt.microsecond // 1000),
        "a": lambda dt: "AM" if dt.hour < 12 else "PM",
        "D": num(lambda dt: dt.timetuple().tm_yday),
        "E": lambda dt: _DAYS[dt.weekday()] if n >= 4 else _DAYS[dt.weekday()][:3],
        "Z": lambda dt: _offset(dt, False),
        "X": lambda dt: "Z" if not dt.utcoffset() else _offset(dt, n >= 3),
        "z": lambda dt: dt.tzname() or "UTC",
    }
    if letter == "M":
        if n >= 4:
            return lambda dt: _MONTHS[dt.month - 1]
        if n == 3:
            return lambda dt: _MONTHS[dt.month - 1][:3]
        return num(lambda dt: dt.month)
    return table[letter]


def _parser(letter: str, n: int) -> tuple[str, str | None]:
    """A regex fragment and the group name it fills."""
    if letter == "M" and n >= 3:
        return r"(?P<MN>[A-Za-z]+)", "MN"
    if letter == "y" and n == 2:
        return r"(?P<yy>\d{2})", "yy"
    if letter in "ZX":
        return r"(?P<Z>Z|[+-]\d{2}:?\d{2}|[+-]\d{2})", "Z"
    if letter == "z":
        return r"(?:UTC|GMT|Z)", None
    if letter == "a":
        return r"(?P<a>AM|PM|am|pm)", "a"
    if letter == "E":
        return r"[A-Za-z]+", None
    width = r"\d+" if n == 1 else rf"\d{{{n}}}"
    if letter == "y" and n >= 4:
        width = r"\d{4,}"
    return rf"(?P<{letter}>{width})", letter


def _literal(text: str) -> Callable[[datetime], str]:
    return lambda dt: text


class DateFormat:
    """A compiled Java date pattern that formats and parses ``datetime`` values."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.strftime = "%" in pattern
        self._parts: list[Callable[[datetime], str]] = []
        regex: list[str] = []
        groups: set[str] = set()
        if self.strftime:
            self._regex = re.compile("")
            return
        for match in _TOKEN.finditer(pattern):
            text = match.group(0)
            if text.startswith("'"):
                literal = text[1:-1].replace("''", "'") if len(text) > 2 else "'"
                self._parts.append(_literal(literal))
                regex.append(re.escape(literal))
            elif match.group(1):
                letter = match.group(1)
                if letter not in _SUPPORTED:
                    raise ValueError(f"pattern letter {letter!r} is not supported in {pattern!r}")
                self._parts.append(_formatter(letter, len(text)))
                fragment, group = _parser(letter, len(text))
                if group in groups:  # a letter used twice fills its value once
                    fragment = fragment.replace(f"(?P<{group}>", "(?:")
                if group:
                    groups.add(group)
                regex.append(fragment)
            else:
                self._parts.append(_literal(text))
                regex.append(re.escape(text))
        self._regex = re.compile("".join(regex))

    def format(self, dt: datetime) -> str:
        """``dt`` as text; a naive ``dt`` is taken as UTC."""
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        if self.strftime:
            return dt.strftime(self.pattern)
        return "".join(part(dt) for part in self._parts)

    def parse(self, text: str) -> datetime:
        """The moment ``text`` denotes (UTC if it names no zone); ValueError if no match."""
        if self.strftime:
            dt = datetime.strptime(text, self.pattern)
            return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
        match = self._regex.fullmatch(text.strip())
        if not match:
            raise ValueError(f"{text!r} does not match the pattern {self.pattern!r}")
        g = {k: v for k, v in match.groupdict().items() if v is not None}
        year = int(g["y"]) if "y" in g else (2000 + int(g["yy"]) if "yy" in g else 1970)
        if "MN" in g:
            names = [m[:3].lower() for m in _MONTHS]
            month = names.index(g["MN"][:3].lower()) + 1
        else:
            month = int(g.get("M", 1))
        hour = int(g.get("H", g.get("k", 0)))
        if "h" in g or "K" in g:
            hour = int(g.get("h", g.get("K", 0))) % 12
            if g.get("a", "AM").upper() == "PM":
                hour += 12
        millis = g.get("S", "0")
        micros = int(millis) * 1000 if len(millis) <= 3 else int(millis[:6].ljust(6, "0"))
        tz = UTC
        zone = g.get("Z")
        if zone and zone != "Z":
            digits = zone[1:].replace(":", "")
            minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
            tz = timezone(timedelta(minutes=minutes if zone[0] == "+" else -minutes))
        if "D" in g and "M" not in g and "MN" not in g:
            base = datetime(year, 1, 1, tzinfo=tz) + timedelta(days=int(g["D"]) - 1)
            month, day = base.month, base.day
        else:
            day = int(g.get("d", 1))
        return datetime(
            year, month, day, hour, int(g.get("m", 0)), int(g.get("s", 0)), micros, tzinfo=tz
        )
