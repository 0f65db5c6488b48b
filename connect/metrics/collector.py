"""The Prometheus families of one worker, built when ``/metrics`` is read.

Series cover what runs on this worker: its connectors and tasks, as Kafka Connect's
per-worker JMX metrics do. A deleted connector's series are gone at the next scrape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from connect.metrics import names as n
from connect.metrics.hub import WorkerMetrics
from connect.metrics.names import Metric as Spec
from connect.status import State, Status, TaskId


class WorkerView(Protocol):
    """What the collector reads of a ``Worker``."""

    metrics: WorkerMetrics

    @property
    def statuses(self) -> Mapping[str | TaskId, Status]: ...

    def running_connectors(self) -> list[str]: ...

    def running_tasks(self) -> list[TaskId]: ...


def family(spec: Spec) -> GaugeMetricFamily | CounterMetricFamily:
    """An empty family for ``spec``."""
    labels = list(spec.labels)
    if spec.kind == "counter" and spec.name.endswith("_total"):
        return CounterMetricFamily(spec.name[: -len("_total")], spec.help, labels=labels)
    return GaugeMetricFamily(spec.name, spec.help, labels=labels)


class WorkerCollector(Collector):
    """A ``prometheus_client`` collector over a worker."""

    def __init__(self, worker: WorkerView) -> None:
        self.worker = worker

    def describe(self) -> list[Metric]:
        return []  # built per scrape: registering must not read the worker

    def collect(self) -> Iterator[Metric]:
        worker = self.worker
        metrics = worker.metrics
        fams = {spec.name: family(spec) for spec in n.RUNTIME}

        def add(spec: Spec, labels: list[str], value: float) -> None:
            fams[spec.name].add_metric(labels, value)

        statuses = worker.statuses
        connectors = set(worker.running_connectors())
        # a connector that failed to start runs nowhere but is this worker's to report
        connectors |= {
            k for k, st in statuses.items() if isinstance(k, str) and st.state is State.FAILED
        }
        tasks = worker.running_tasks()
        metrics.forget(t for t in metrics.tasks if t in statuses or t in tasks)
        add(n.WORKER_CONNECTOR_COUNT, [], len(connectors))
        add(n.WORKER_TASK_COUNT, [], len(tasks))
        add(n.REBALANCES, [], metrics.rebalances)
        add(n.REBALANCING, [], 1 if metrics.rebalancing else 0)

        by_state: dict[str, dict[State, int]] = {c: {} for c in connectors}
        for tid in tasks:
            st = statuses.get(tid)
            state = st.state if st else State.UNASSIGNED
            counts = by_state.setdefault(tid.connector, {})
            counts[state] = counts.get(state, 0) + 1
        for name in sorted(by_state):
            counts = by_state[name]
            add(n.WORKER_RUNNING, [name], counts.get(State.RUNNING, 0))
            add(n.WORKER_PAUSED, [name], counts.get(State.PAUSED, 0))
            add(n.WORKER_FAILED, [name], counts.get(State.FAILED, 0))
            add(n.WORKER_UNASSIGNED, [name], counts.get(State.UNASSIGNED, 0))
        for name in sorted(connectors):
            st = statuses.get(name)
            state = st.state if st else State.UNASSIGNED
            add(n.CONNECTOR_STATUS, [name, state.value.lower()], 1)
        for tid in sorted(tasks):
            st = statuses.get(tid)
            state = st.state if st else State.UNASSIGNED
            add(n.TASK_STATUS, [tid.connector, str(tid.task), state.value.lower()], 1)
            tm = metrics.tasks.get(tid)
            if tm is not None:
                _task_series(add, [tid.connector, str(tid.task)], tm)
        for spec in n.RUNTIME:
            fam = fams[spec.name]
            if fam.samples or not spec.labels:
                yield fam
        yield from metrics.plugins.collect()


def _task_series(add: Callable[[Spec, list[str], float], None], ids: list[str], tm: object) -> None:
    from connect.metrics.task import TaskMetrics

    assert isinstance(tm, TaskMetrics)
    if tm.kind == "source":
        add(n.SOURCE_POLL_TOTAL, ids, tm.polled)
        add(n.SOURCE_POLL_RATE, ids, tm.rate("polled"))
        add(n.SOURCE_WRITE_TOTAL, ids, tm.written)
        add(n.SOURCE_WRITE_RATE, ids, tm.rate("written"))
        add(n.SOURCE_ACTIVE, ids, tm.active())
        add(n.SOURCE_POLL_TIME, ids, tm.poll_time.value)
    else:
        add(n.SINK_READ_TOTAL, ids, tm.read)
        add(n.SINK_READ_RATE, ids, tm.rate("read"))
        add(n.SINK_SEND_TOTAL, ids, tm.sent)
        lag = tm.lag()
        add(n.SINK_LAG_MAX, ids, lag if lag is not None else 0)
        add(n.SINK_PUT_TIME, ids, tm.put_time.value)
        add(n.SINK_PARTITIONS, ids, tm.partitions())
    add(n.COMMIT_TIME, ids, tm.commit_time.value)
    add(n.COMMIT_SUCCESS, ids, tm.commit_success_ratio)
    add(n.BATCH_SIZE, ids, tm.batch_size.value)
    errors = {**(tm.errors or {}), "dlq_failures": tm.dlq_failures}
    add(n.ERR_FAILURES, ids, errors.get("records_failed", 0) + errors.get("retries", 0))
    add(n.ERR_ERRORS, ids, errors.get("records_failed", 0))
    add(n.ERR_SKIPPED, ids, errors.get("records_skipped", 0))
    add(n.ERR_RETRIES, ids, errors.get("retries", 0))
    add(n.DLQ_REQUESTS, ids, errors.get("records_sent_to_dlq", 0) + errors.get("dlq_failures", 0))
    add(n.DLQ_FAILURES, ids, errors.get("dlq_failures", 0))


def registry_for(worker: WorkerView) -> CollectorRegistry:
    """A Prometheus registry holding only ``worker``'s metrics."""
    reg = CollectorRegistry(auto_describe=False)
    reg.register(WorkerCollector(worker))
    return reg


def exposition(registry: CollectorRegistry) -> bytes:
    """The Prometheus text format (0.0.4) of ``registry``."""
    return generate_latest(registry)
