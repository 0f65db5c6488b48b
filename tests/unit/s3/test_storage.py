from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from connect.api import ConfigError, RetriableError
from connectors.s3.storage import translate


def client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "PutObject",
    )


@pytest.mark.parametrize(
    ("exc", "retriable"),
    [
        (client_error("SlowDown", 503), True),
        (client_error("InternalError", 500), True),
        (client_error("TooManyRequests", 429), True),
        (client_error("AccessDenied", 403), False),
        (client_error("NoSuchBucket", 404), False),
        (EndpointConnectionError(endpoint_url="http://x"), True),
    ],
)
def test_translate_marks_transient_errors_retriable(exc: Exception, retriable: bool) -> None:
    err = translate(exc, "put k")
    assert err.retriable is retriable
    assert isinstance(err, RetriableError) is retriable
    assert str(err).startswith("put k")


def test_missing_credentials_is_a_config_error() -> None:
    assert isinstance(translate(NoCredentialsError(), "head"), ConfigError)
