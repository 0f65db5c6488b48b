"""Kafka requests the console needs that aiokafka 0.14 does not define.

    DescribeLogDirs v1 (API 35)          bytes on disk per partition, asked of each broker
    IncrementalAlterConfigs v0 (API 44)  set / delete single topic configs (AlterConfigs
                                         would replace the whole set)

The schemas follow the Kafka protocol's message definitions; aiokafka negotiates the
version per connection and raises ``IncompatibleBrokerVersion`` where a broker lacks one.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.types import Array, Boolean, Int8, Int16, Int32, Int64, Schema, String


class _DescribeLogDirsResponse_v1(Response):  # type: ignore[misc]
    API_KEY = 35
    API_VERSION = 1
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        (
            "results",
            Array(
                ("error_code", Int16),
                ("log_dir", String("utf-8")),
                (
                    "topics",
                    Array(
                        ("name", String("utf-8")),
                        (
                            "partitions",
                            Array(
                                ("partition_index", Int32),
                                ("partition_size", Int64),
                                ("offset_lag", Int64),
                                ("is_future_key", Boolean),
                            ),
                        ),
                    ),
                ),
            ),
        ),
    )


class _DescribeLogDirsRequest_v1(RequestStruct):  # type: ignore[misc]
    API_KEY = 35
    API_VERSION = 1
    RESPONSE_TYPE = _DescribeLogDirsResponse_v1
    SCHEMA = Schema(("topics", Array(("topic", String("utf-8")), ("partitions", Array(Int32)))))


class DescribeLogDirs(Request[_DescribeLogDirsRequest_v1]):  # type: ignore[misc]
    API_KEY = 35

    def __init__(self, topics: list[tuple[str, list[int]]]) -> None:
        self._topics = topics

    def build(self, request_struct_class: type[_DescribeLogDirsRequest_v1]) -> Any:
        return request_struct_class(self._topics)


class _IncrementalAlterConfigsResponse_v0(Response):  # type: ignore[misc]
    API_KEY = 44
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        (
            "responses",
            Array(
                ("error_code", Int16),
                ("error_message", String("utf-8")),
                ("resource_type", Int8),
                ("resource_name", String("utf-8")),
            ),
        ),
    )


class _IncrementalAlterConfigsRequest_v0(RequestStruct):  # type: ignore[misc]
    API_KEY = 44
    API_VERSION = 0
    RESPONSE_TYPE = _IncrementalAlterConfigsResponse_v0
    SCHEMA = Schema(
        (
            "resources",
            Array(
                ("resource_type", Int8),
                ("resource_name", String("utf-8")),
                (
                    "configs",
                    Array(
                        ("name", String("utf-8")),
                        ("config_operation", Int8),
                        ("value", String("utf-8")),
                    ),
                ),
            ),
        ),
        ("validate_only", Boolean),
    )


Resources: TypeAlias = list[tuple[int, str, list[tuple[str, int, str | None]]]]


class IncrementalAlterConfigs(Request[_IncrementalAlterConfigsRequest_v0]):  # type: ignore[misc]
    API_KEY = 44

    def __init__(self, resources: Resources) -> None:
        self._resources = resources

    def build(self, request_struct_class: type[_IncrementalAlterConfigsRequest_v0]) -> Any:
        return request_struct_class(self._resources, False)
