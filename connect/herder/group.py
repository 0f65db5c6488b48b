"""Cluster membership through Kafka's group protocol, and the leader's assignment.

Workers join one consumer group (``group.id``) with a custom assignor, so Kafka's
JoinGroup/SyncGroup/Heartbeat does the membership and no other coordination exists:

    JoinGroup   each member's metadata: worker id, REST URL, config offset, and what
                it runs now ("owned"); a worker about to leave says so
    leader      ``plan()`` places every connector and task: owned ones stay put,
                unowned ones go to the least loaded workers, a worker above its
                fair share is told to revoke the excess
    SyncGroup   each member's assignment (in the user data): what to run, what to
                revoke, the leader's config offset, and the whole placement

This is Kafka Connect's incremental cooperative protocol in small: an assignment
only ever adds to what a worker runs or revokes from it, so a rebalance stops and
starts only what moved. A worker that revoked something rejoins once it has stopped
it, and the next round places the freed items. Items of a worker that vanished
(kill -9) are held for ``scheduled.rebalance.max.delay.ms`` in case it comes back:
the assignment already names where each goes and after how long, and that worker
starts it then, unless a newer assignment (the worker came back) replaced this one.

The group consumer subscribes to the config topic only so the group has a topic;
the assignor never hands out partitions. Its ``getmany`` loop keeps the member alive.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer
from aiokafka.cluster import ClusterMetadata
from aiokafka.coordinator.assignors.abstract import AbstractPartitionAssignor
from aiokafka.coordinator.protocol import (
    ConsumerProtocolMemberAssignment,
    ConsumerProtocolMemberMetadata,
)
from aiokafka.errors import KafkaError

from connect.herder.configlog import stop_consumer
from connect.kafka import KafkaClients
from connect.service import Service
from connect.status import TaskId

log = structlog.get_logger(__name__)

PROTOCOL = "smart-connect-v1"


def _tid(raw: Any) -> TaskId:
    return TaskId(str(raw[0]), int(raw[1]))


def _tids_json(tids: Iterable[TaskId]) -> list[list[Any]]:
    return [[t.connector, t.task] for t in sorted(tids)]


@dataclass
class MemberMeta:
    """What a worker tells the group when it joins."""

    worker_id: str
    url: str | None = None
    config_offset: int = 0
    connectors: list[str] = field(default_factory=list)
    tasks: list[TaskId] = field(default_factory=list)
    leaving: bool = False
    # Changed on every rejoin we ask for: a coordinator that sees unchanged metadata
    # from a stable member may answer with the old assignment instead of rebalancing.
    rejoin: int = 0

    def encode(self) -> bytes:
        return json.dumps(
            {
                "rejoin": self.rejoin,
                "worker_id": self.worker_id,
                "url": self.url,
                "config_offset": self.config_offset,
                "connectors": sorted(self.connectors),
                "tasks": _tids_json(self.tasks),
                "leaving": self.leaving,
            }
        ).encode()

    @classmethod
    def decode(cls, raw: bytes) -> MemberMeta:
        data = json.loads(raw)
        return cls(
            worker_id=str(data["worker_id"]),
            url=data.get("url"),
            config_offset=int(data.get("config_offset", 0)),
            connectors=[str(c) for c in data.get("connectors", [])],
            tasks=[_tid(t) for t in data.get("tasks", [])],
            leaving=bool(data.get("leaving")),
            rejoin=int(data.get("rejoin", 0)),
        )


@dataclass
class Assignment:
    """What the leader told one worker to run (and everyone's placement, for status)."""

    leader: str
    leader_url: str | None
    config_offset: int
    connectors: set[str] = field(default_factory=set)
    tasks: set[TaskId] = field(default_factory=set)
    revoked_connectors: set[str] = field(default_factory=set)
    revoked_tasks: set[TaskId] = field(default_factory=set)
    # placed now, started only after a delay (the items of a vanished worker)
    deferred_connectors: dict[str, int] = field(default_factory=dict)
    deferred_tasks: dict[TaskId, int] = field(default_factory=dict)
    owners: dict[str | TaskId, str] = field(default_factory=dict)
    urls: dict[str, str | None] = field(default_factory=dict)
    universe: tuple[list[str], list[TaskId]] = field(default_factory=lambda: ([], []))
    leaving: bool = False  # the leader saw this member leaving
    generation: int = -1

    @property
    def revoked(self) -> bool:
        return bool(self.revoked_connectors or self.revoked_tasks)

    def encode(self) -> bytes:
        owners = [
            [k, None, w] if isinstance(k, str) else [k.connector, k.task, w]
            for k, w in self.owners.items()
        ]
        return json.dumps(
            {
                "leader": self.leader,
                "leader_url": self.leader_url,
                "config_offset": self.config_offset,
                "connectors": sorted(self.connectors),
                "tasks": _tids_json(self.tasks),
                "revoked_connectors": sorted(self.revoked_connectors),
                "revoked_tasks": _tids_json(self.revoked_tasks),
                "deferred_connectors": sorted(self.deferred_connectors.items()),
                "deferred_tasks": [
                    [t.connector, t.task, ms] for t, ms in sorted(self.deferred_tasks.items())
                ],
                "owners": owners,
                "urls": self.urls,
                "universe": [self.universe[0], _tids_json(self.universe[1])],
                "leaving": self.leaving,
            }
        ).encode()

    @classmethod
    def decode(cls, raw: bytes) -> Assignment:
        d = json.loads(raw)
        owners: dict[str | TaskId, str] = {}
        for name, task, worker in d.get("owners", []):
            owners[name if task is None else TaskId(name, int(task))] = worker
        universe = d.get("universe") or [[], []]
        return cls(
            leader=d["leader"],
            leader_url=d.get("leader_url"),
            config_offset=int(d.get("config_offset", 0)),
            connectors=set(d.get("connectors", [])),
            tasks={_tid(t) for t in d.get("tasks", [])},
            revoked_connectors=set(d.get("revoked_connectors", [])),
            revoked_tasks={_tid(t) for t in d.get("revoked_tasks", [])},
            deferred_connectors={str(n): int(ms) for n, ms in d.get("deferred_connectors", [])},
            deferred_tasks={TaskId(c, int(t)): int(ms) for c, t, ms in d.get("deferred_tasks", [])},
            owners=owners,
            urls=dict(d.get("urls", {})),
            universe=(list(universe[0]), [_tid(t) for t in universe[1]]),
            leaving=bool(d.get("leaving")),
        )


# ---------------------------------------------------------------- the leader's plan


@dataclass
class LeaderMemory:
    """What a leader remembers between rounds: the last owner and when items were lost."""

    last_owner: dict[Any, str] = field(default_factory=dict)
    lost_since: dict[Any, float] = field(default_factory=dict)


@dataclass
class GroupMemory:
    """A leader's memory for connectors and for tasks."""

    connectors: LeaderMemory = field(default_factory=LeaderMemory)
    tasks: LeaderMemory = field(default_factory=LeaderMemory)


@dataclass
class Plan:
    """The placement of one kind of item (connectors or tasks)."""

    assigned: dict[str, list[Any]]
    revoked: dict[str, list[Any]]
    held: list[Any]
    next_deadline: float | None
    deferred: dict[str, list[Any]] = field(default_factory=dict)  # held items' places
    held_until: dict[Any, float] = field(default_factory=dict)


def plan(
    items: Iterable[Any],
    owned: Mapping[str, Iterable[Any]],
    active: Iterable[str],
    present: Iterable[str],
    memory: LeaderMemory,
    now: float,
    delay: float,
) -> Plan:
    """Place ``items`` on the ``active`` workers, moving as little as possible.

    ``owned`` is what each worker runs now; ``present`` also counts workers that are
    leaving (their items are released, not lost). Items whose last owner is gone are
    held for ``delay`` seconds from when that was first seen.
    """
    valid = sorted(set(items))
    valid_set = set(valid)
    workers = sorted(set(active))
    here = set(present) | set(workers)
    keep: dict[str, list[Any]] = {w: [] for w in workers}
    revoked: dict[str, list[Any]] = {w: [] for w in workers}
    claimants: dict[Any, list[str]] = {}
    for w in workers:
        for item in sorted(set(owned.get(w, ()))):
            if item in valid_set:  # a deleted item: the worker stops it on its own
                claimants.setdefault(item, []).append(w)
    claimed: set[Any] = set()
    for item, ws in sorted(claimants.items()):
        # runs twice (a worker that was out of the group came back): keep it where
        # the leader last placed it
        last = memory.last_owner.get(item)
        keeper = last if last in ws else ws[0]
        keep[keeper].append(item)
        claimed.add(item)
        for w in ws:
            if w != keeper:
                revoked[w].append(item)
    unowned, held = [], []
    held_until: dict[Any, float] = {}
    for item in valid:
        if item in claimed:
            memory.lost_since.pop(item, None)
            continue
        last = memory.last_owner.get(item)
        if last is not None and last not in here and delay > 0:
            since = memory.lost_since.setdefault(item, now)
            if now < since + delay:
                held.append(item)
                held_until[item] = since + delay
                continue
        memory.lost_since.pop(item, None)
        unowned.append(item)
    for item in list(memory.lost_since):
        if item not in valid_set:
            del memory.lost_since[item]
    next_deadline = min(held_until.values()) if held_until else None
    if not workers:
        return Plan({}, {}, valid, next_deadline, {}, held_until)

    # fair shares: the most loaded workers keep the larger share, the rest the smaller
    base, extra = divmod(len(valid), len(workers))
    by_load = sorted(workers, key=lambda w: (-len(keep[w]), w))
    quota = {w: base + (1 if i < extra else 0) for i, w in enumerate(by_load)}
    for w in workers:
        while len(keep[w]) > quota[w]:
            revoked[w].append(keep[w].pop())
    for item in unowned:
        target = min(workers, key=lambda w: (len(keep[w]) >= quota[w], len(keep[w]), w))
        keep[target].append(item)
    # held items get their place now; the worker starts them when the hold ends, so
    # no second rebalance is needed (any change in the group before that replaces it)
    deferred: dict[str, list[Any]] = {w: [] for w in workers}

    def load(w: str) -> int:
        return len(keep[w]) + len(deferred[w])

    for item in held:
        deferred[min(workers, key=lambda w: (load(w) >= quota[w], load(w), w))].append(item)

    for w, its in keep.items():
        for item in its:
            memory.last_owner[item] = w
    for w, its in revoked.items():
        for item in its:
            memory.last_owner.setdefault(item, w)
    for item in list(memory.last_owner):
        if item not in valid_set:
            del memory.last_owner[item]
    return Plan(keep, revoked, held, next_deadline, deferred, held_until)


def inherited_memory(last: Assignment) -> GroupMemory:
    """A new leader's memory, from the placement its predecessor sent to everyone.

    Without it a leader that took over from a dead one would not know which items the
    dead worker ran, and would place them at once instead of holding them (and showing
    them UNASSIGNED) for ``scheduled.rebalance.max.delay.ms``."""
    memory = GroupMemory()
    for item, worker in last.owners.items():
        kind = memory.tasks if isinstance(item, TaskId) else memory.connectors
        kind.last_owner[item] = worker
    return memory


def assign_members(
    members: Mapping[str, MemberMeta],
    universe: tuple[list[str], list[TaskId]],
    memory: GroupMemory,
    *,
    leader: MemberMeta,
    config_offset: int,
    delay: float,
    now: float | None = None,
) -> dict[str, Assignment]:
    """The leader's whole job: an ``Assignment`` per member id."""
    now = time.monotonic() if now is None else now
    by_worker = {m.worker_id: mid for mid, m in members.items()}
    active = [m.worker_id for m in members.values() if not m.leaving]
    present = [m.worker_id for m in members.values()]
    connectors, tasks = universe
    plans = [
        plan(
            connectors,
            {m.worker_id: m.connectors for m in members.values() if not m.leaving},
            active,
            present,
            memory.connectors,
            now,
            delay,
        ),
        plan(
            tasks,
            {m.worker_id: m.tasks for m in members.values() if not m.leaving},
            active,
            present,
            memory.tasks,
            now,
            delay,
        ),
    ]

    def after(p: Plan, worker: str) -> dict[Any, int]:
        return {
            item: int(max(0.0, p.held_until[item] - now) * 1000) + 1
            for item in p.deferred.get(worker, [])
        }

    owners: dict[str | TaskId, str] = {}
    for p in plans:
        for w, its in p.assigned.items():
            for item in its:
                owners[item] = w
    urls = {m.worker_id: m.url for m in members.values()}
    out = {}
    for worker, mid in by_worker.items():
        out[mid] = Assignment(
            leaving=members[mid].leaving,
            leader=leader.worker_id,
            leader_url=leader.url,
            config_offset=config_offset,
            connectors=set(plans[0].assigned.get(worker, [])),
            tasks=set(plans[1].assigned.get(worker, [])),
            revoked_connectors=set(plans[0].revoked.get(worker, [])),
            revoked_tasks=set(plans[1].revoked.get(worker, [])),
            deferred_connectors=after(plans[0], worker),
            deferred_tasks=after(plans[1], worker),
            owners=owners,
            urls=urls,
            universe=universe,
        )
    return out


# ---------------------------------------------------------------- aiokafka glue


class ConnectAssignor(AbstractPartitionAssignor):  # type: ignore[misc]
    """An aiokafka assignor whose metadata and user data carry the worker protocol.

    aiokafka calls these methods on the instance given in
    ``partition_assignment_strategy``; ``assign`` runs only on the leader.
    """

    name = PROTOCOL

    def __init__(
        self,
        metadata: Callable[[], MemberMeta],
        universe: Callable[[], tuple[tuple[list[str], list[TaskId]], int]],
        on_assignment: Callable[[Assignment], None],
        delay: float,
        generation: Callable[[], int] = lambda: -1,
    ) -> None:
        self._metadata = metadata
        self._universe = universe
        self._on_assignment = on_assignment
        self.delay = delay
        self.memory = GroupMemory()
        self._generation = generation
        self._last: Assignment | None = None
        self._last_generation = -1

    def metadata(self, topics: Iterable[str]) -> ConsumerProtocolMemberMetadata:
        return ConsumerProtocolMemberMetadata(0, sorted(topics), self._metadata().encode())

    def assign(
        self,
        cluster: ClusterMetadata,
        members: Mapping[str, ConsumerProtocolMemberMetadata],
    ) -> dict[str, ConsumerProtocolMemberAssignment]:
        decoded = {mid: MemberMeta.decode(m.user_data) for mid, m in members.items()}
        universe, offset = self._universe()
        me = self._metadata()
        if self._last is not None and self._last.leader != me.worker_id:
            # the placement sent one generation ago is what the workers run now; an older
            # one may hide a round that moved items (a leaving leader's hand-over)
            fresh = self._last_generation >= 0 and self._last_generation == self._generation() - 1
            self.memory = inherited_memory(self._last) if fresh else GroupMemory()
        plans = assign_members(
            decoded, universe, self.memory, leader=me, config_offset=offset, delay=self.delay
        )
        log.info(
            "assignment computed",
            members=sorted(m.worker_id for m in decoded.values()),
            connectors=len(universe[0]),
            tasks=len(universe[1]),
            deferred=sum(
                len(a.deferred_connectors) + len(a.deferred_tasks) for a in plans.values()
            ),
        )
        return {
            mid: ConsumerProtocolMemberAssignment(0, [], a.encode()) for mid, a in plans.items()
        }

    def on_assignment(self, assignment: ConsumerProtocolMemberAssignment) -> None:
        self._last = Assignment.decode(assignment.user_data)
        self._last_generation = self._generation()
        self._on_assignment(self._last)


class GroupMember(Service):
    """This worker's membership: joins the group, keeps the session, leaves on stop."""

    def __init__(
        self,
        clients: KafkaClients,
        group_id: str,
        topic: str,
        assignor: ConnectAssignor,
        *,
        session_timeout_ms: int,
        heartbeat_interval_ms: int,
        rebalance_timeout_ms: int,
    ) -> None:
        super().__init__()
        self.assignor = assignor
        self.topic = topic
        self._clients = clients
        self._settings: dict[str, Any] = dict(
            group_id=group_id,
            enable_auto_commit=False,
            partition_assignment_strategy=(assignor,),
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=heartbeat_interval_ms,
            rebalance_timeout_ms=rebalance_timeout_ms,
            max_poll_interval_ms=max(300_000, rebalance_timeout_ms),
        )
        self.consumer: AIOKafkaConsumer | None = None  # made on start: aiokafka warns
        self._loop: asyncio.Task[None] | None = None  # about consumers never closed
        self.rejoins = 0

    async def on_start(self) -> None:
        self.consumer = self._clients.consumer(**self._settings)
        self.consumer.subscribe([self.topic])
        await self.consumer.start()
        self._loop = asyncio.create_task(self._poll_loop(), name="group-member")

    async def _poll_loop(self) -> None:
        # Nothing is ever assigned; getmany keeps the member "active" and surfaces
        # coordinator errors, which the coordinator recovers from by rejoining.
        assert self.consumer is not None
        while not self.stopping:
            try:
                await self.consumer.getmany(timeout_ms=1000)
            except KafkaError as exc:
                log.warning("group membership error; rejoining", error=str(exc))
                await self.sleep(0.2)

    @property
    def generation(self) -> int:
        coordinator = getattr(self.consumer, "_coordinator", None)
        generation = getattr(coordinator, "generation", None)
        return -1 if generation is None else int(generation)

    def request_rejoin(self) -> None:
        """Start a rebalance (aiokafka has no public call for this)."""
        self.rejoins += 1
        coordinator = getattr(self.consumer, "_coordinator", None)
        if coordinator is not None:
            coordinator.request_rejoin()

    async def on_stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            await asyncio.gather(self._loop, return_exceptions=True)
        if self.consumer is not None:
            await stop_consumer(self.consumer)  # sends LeaveGroup
