from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.s3.timeformat import TimeFormat

MOMENT = datetime(2024, 3, 7, 9, 5, 2, 45_000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", "year=2024/month=03/day=07/hour=09"),
        ("yyyy/MM/dd/HH/mm", "2024/03/07/09/05"),
        ("yy-M-d H:m:s.SSS", "24-3-7 9:5:2.045"),
        ("MMM MMMM EEE EEEE", "Mar March Thu Thursday"),
        ("'it''s' D w", "it's 67 10"),
        ("hh a", "09 AM"),
    ],
)
def test_patterns(pattern: str, expected: str) -> None:
    assert TimeFormat(pattern).format(MOMENT) == expected


def test_unknown_letter_is_named() -> None:
    with pytest.raises(ValueError, match="'Q'"):
        TimeFormat("yyyy/QQ")


def test_unterminated_quote() -> None:
    with pytest.raises(ValueError, match="quote"):
        TimeFormat("'year=yyyy")
