"""The protocol as pure logic, without a broker: placement, user data, config and status folding."""

from __future__ import annotations

from connect.herder.group import (
    Assignment,
    GroupMemory,
    LeaderMemory,
    MemberMeta,
    assign_members,
    inherited_memory,
    plan,
)
from connect.status import TaskId


def test_new_items_spread_evenly() -> None:
    p = plan(range(7), {}, ["a", "b", "c"], [], LeaderMemory(), now=0, delay=1)
    sizes = sorted(len(v) for v in p.assigned.values())
    assert sizes == [2, 2, 3]
    assert not any(p.revoked.values()) and not p.held


def test_owned_items_stay_put() -> None:
    owned = {"a": [0, 1], "b": [2, 3], "c": [4, 5]}
    p = plan(range(6), owned, ["a", "b", "c"], [], LeaderMemory(), now=0, delay=1)
    assert p.assigned == owned


def test_joiner_gets_a_share_through_revocation() -> None:
    memory = LeaderMemory()
    owned = {"a": [0, 1, 2], "b": [3, 4, 5]}
    first = plan(range(6), owned, ["a", "b", "c"], [], memory, now=0, delay=1)
    assert first.assigned["c"] == []
    revoked = [i for w in ("a", "b") for i in first.revoked[w]]
    assert len(revoked) == 2  # a and b each give one back ...
    after = {w: first.assigned[w] for w in ("a", "b")}
    second = plan(range(6), after, ["a", "b", "c"], [], memory, now=0.1, delay=1)
    assert sorted(second.assigned["c"]) == sorted(revoked)  # ... and c takes them next round
    assert not any(second.revoked.values())


def test_lost_items_are_held_then_placed() -> None:
    memory = LeaderMemory()
    plan(range(4), {"a": [0, 1], "b": [2, 3]}, ["a", "b"], [], memory, now=0, delay=1)
    held = plan(range(4), {"a": [0, 1]}, ["a"], [], memory, now=5, delay=1)
    assert held.held == [2, 3] and held.next_deadline == 6
    assert held.deferred == {"a": [2, 3]} and held.assigned == {"a": [0, 1]}
    placed = plan(range(4), {"a": [0, 1]}, ["a"], [], memory, now=6, delay=1)
    assert placed.assigned["a"] == [0, 1, 2, 3] and not placed.held


def test_held_items_are_deferred_with_their_remaining_hold() -> None:
    members = {"m1": MemberMeta("w1", connectors=["c"], tasks=[TaskId("c", 0)])}
    memory = GroupMemory()
    memory.tasks.last_owner[TaskId("c", 1)] = "gone"
    out = assign_members(
        members,
        (["c"], [TaskId("c", 0), TaskId("c", 1)]),
        memory,
        leader=members["m1"],
        config_offset=0,
        delay=2.0,
        now=10.0,
    )
    a = Assignment.decode(out["m1"].encode())
    assert a.tasks == {TaskId("c", 0)}
    assert a.deferred_tasks == {TaskId("c", 1): 2001}


def test_a_new_leader_holds_the_items_of_the_dead_leader() -> None:
    # the old leader "w0" ran c-1 and died; w1 takes over from the placement it was sent
    sent = Assignment(
        leader="w0",
        leader_url=None,
        config_offset=0,
        owners={"c": "w1", TaskId("c", 0): "w1", TaskId("c", 1): "w0"},
    )
    members = {"m1": MemberMeta("w1", connectors=["c"], tasks=[TaskId("c", 0)])}
    out = assign_members(
        members,
        (["c"], [TaskId("c", 0), TaskId("c", 1)]),
        inherited_memory(Assignment.decode(sent.encode())),
        leader=members["m1"],
        config_offset=0,
        delay=1.0,
        now=5.0,
    )
    assert out["m1"].tasks == {TaskId("c", 0)}
    assert out["m1"].deferred_tasks == {TaskId("c", 1): 1001}


def test_items_of_a_leaving_worker_move_at_once() -> None:
    memory = LeaderMemory()
    plan(range(4), {"a": [0, 1], "b": [2, 3]}, ["a", "b"], [], memory, now=0, delay=10)
    p = plan(range(4), {"a": [0, 1]}, ["a"], ["b"], memory, now=1, delay=10)
    assert p.assigned["a"] == [0, 1, 2, 3] and not p.held


def test_duplicate_owner_is_told_to_revoke() -> None:
    p = plan([0], {"a": [0], "b": [0]}, ["a", "b"], [], LeaderMemory(), now=0, delay=1)
    assert p.assigned == {"a": [0], "b": []} and p.revoked["b"] == [0]
    # a worker back from a partition claims what was moved: the current owner keeps it
    memory = LeaderMemory(last_owner={0: "b"})
    p = plan([0], {"a": [0], "b": [0]}, ["a", "b"], [], memory, now=0, delay=1)
    assert p.assigned == {"a": [], "b": [0]} and p.revoked["a"] == [0]


def test_assignment_round_trips_through_user_data() -> None:
    members = {
        "m1": MemberMeta("w1", "http://h1:1", 5, ["c1"], [TaskId("c1", 0)]),
        "m2": MemberMeta("w2", "http://h2:2", 5),
    }
    universe = (["c1"], [TaskId("c1", 0), TaskId("c1", 1)])
    out = assign_members(
        members, universe, GroupMemory(), leader=members["m1"], config_offset=5, delay=1
    )
    decoded = {mid: Assignment.decode(a.encode()) for mid, a in out.items()}
    assert decoded["m1"].connectors == {"c1"}
    assert decoded["m1"].tasks == {TaskId("c1", 0)}
    assert decoded["m2"].tasks == {TaskId("c1", 1)}
    assert decoded["m2"].owners[TaskId("c1", 1)] == "w2"
    assert decoded["m2"].universe == universe
    assert MemberMeta.decode(members["m1"].encode()) == members["m1"]


def test_status_view_keeps_the_newer_generation() -> None:
    from connect.herder.statuslog import StatusView
    from connect.status import State, Status

    live = [5]
    view = StatusView(lambda: live[0])
    tid = TaskId("c", 0)
    view.apply(tid, Status(State.RUNNING, "new-owner", generation=5))
    view.apply(tid, Status(State.UNASSIGNED, "old-owner", generation=4))  # late, stale
    assert view.get(tid).worker_id == "new-owner"  # type: ignore[union-attr]
    # the group was re-created: generations start again, the old record must not win
    live[0] = 1
    view.apply(tid, Status(State.RUNNING, "restarted", generation=1))
    assert view.get(tid).worker_id == "restarted"  # type: ignore[union-attr]


def test_config_state_folds_kafka_connect_records() -> None:
    from connect.herder.configlog import ConfigState, Restart
    from connect.status import TargetState

    s = ConfigState()
    s.apply("target-state-c", {"state": "PAUSED"}, 0)
    s.apply("connector-c", {"properties": {"connector.class": "datagen"}}, 1)
    assert s.connectors["c"].target is TargetState.PAUSED
    s.apply("task-c-0", {"properties": {"i": 0}}, 2)
    s.apply("task-c-1", {"properties": {"i": 1}}, 3)
    assert s.task_ids("c") == []  # staged until the commit
    s.apply("commit-c", {"tasks": 2}, 4)
    assert s.task_config(TaskId("c", 1)) == {"i": 1}
    assert s.universe() == (["c"], [TaskId("c", 0), TaskId("c", 1)])
    s.apply("commit-c", {"tasks": 0}, 5)
    assert s.task_ids("c") == []
    assert s.apply("restart-connector-c", {"include-tasks": True}, 6) == Restart(
        "c", include_tasks=True
    )
    assert s.apply("restart-task-my-conn-3", {}, 7) == Restart("my-conn", task=3)
    s.apply("connector-c", None, 8)
    assert s.universe() == ([], [])
