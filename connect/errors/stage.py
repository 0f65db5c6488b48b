"""The stages a record goes through, as named in ``__connect.errors.stage``."""

from enum import StrEnum


class Stage(StrEnum):
    """Where in the pipeline an error happened (Kafka Connect's names)."""

    KAFKA_CONSUME = "KAFKA_CONSUME"
    KEY_CONVERTER = "KEY_CONVERTER"
    VALUE_CONVERTER = "VALUE_CONVERTER"
    HEADER_CONVERTER = "HEADER_CONVERTER"
    TRANSFORMATION = "TRANSFORMATION"
    TASK_PUT = "TASK_PUT"
    TASK_POLL = "TASK_POLL"
    KAFKA_PRODUCE = "KAFKA_PRODUCE"


TOLERABLE = {
    Stage.KEY_CONVERTER,
    Stage.VALUE_CONVERTER,
    Stage.HEADER_CONVERTER,
    Stage.TRANSFORMATION,
}
"""Stages whose failures ``errors.tolerance=all`` may skip (as in Kafka Connect)."""
