"""Secrets never show: masked configs and redacted log lines."""

import structlog
from structlog.testing import capture_logs

from connect.logs import redact
from connect.secrets import MASK, mask


def test_mask_by_name() -> None:
    shown = mask(
        {"sasl.password": "p", "aws.secret.access.key": "s", "topic": "t", "n": {"token": "x"}}
    )
    assert shown == {
        "sasl.password": MASK,
        "aws.secret.access.key": MASK,
        "topic": "t",
        "n": {"token": MASK},
    }


def test_log_lines_are_redacted() -> None:
    event = redact(None, "info", {"event": "x", "password": "p", "config": {"sasl.password": "p"}})
    assert event["password"] == MASK and event["config"]["sasl.password"] == MASK


def test_capture_logs_smoke() -> None:
    with capture_logs() as logs:
        structlog.get_logger().info("hello", connector="c")
    assert logs[0]["connector"] == "c"
