"""The ``__connect.errors.*`` context headers of a dead-lettered record."""

from __future__ import annotations

from connect.api import DataError, SinkRecord
from connect.converters.json import JsonConverter
from connect.errors import Failure, Stage
from connect.errors.dlq import PREFIX, context_headers
from connect.errors.operator import class_name


def test_context_headers_name_where_what_and_why() -> None:
    record = SinkRecord(topic="orders", partition=1, offset=7, raw_value=b"{oops", key=None)
    converter = JsonConverter()
    try:
        converter.from_bytes("orders", b"{oops")
    except DataError as exc:
        error = exc
    failure = Failure(Stage.VALUE_CONVERTER, class_name(converter), error)

    headers = dict(context_headers(record, failure, connector="to-file", task_id=3))

    assert all(k.startswith(PREFIX) for k in headers)
    plain = {k.removeprefix(PREFIX): v.decode() for k, v in headers.items()}
    stacktrace = plain.pop("exception.stacktrace")
    assert plain == {
        "topic": "orders",
        "partition": "1",
        "offset": "7",
        "connector.name": "to-file",
        "task.id": "3",
        "stage": "VALUE_CONVERTER",
        "class.name": "connect.converters.json.JsonConverter",
        "exception.class.name": "connect.api.errors.DataError",
        "exception.message": str(error),
    }
    assert stacktrace.startswith("Traceback")
    assert "JSONDecodeError" in stacktrace  # the cause chain is kept
