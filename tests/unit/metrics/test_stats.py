"""Rates and windows, with explicit clocks."""

from __future__ import annotations

from connect.metrics.stats import Rate, Window


def test_rate_over_the_window() -> None:
    rate = Rate(window=30)
    for second in range(0, 61):
        rate.sample(second * 100, now=float(second))
    # 100 per second, whatever the history kept
    assert rate.value(6100, now=61.0) == 100.0


def test_rate_is_zero_without_a_second_of_history() -> None:
    rate = Rate()
    assert rate.value(500, now=10.0) == 0.0


def test_a_burst_within_the_first_second_counts_over_one_second() -> None:
    rate = Rate(window=30, start=0.0)
    assert rate.value(3000, now=0.4) == 3000.0


def test_window_forgets_old_samples() -> None:
    w = Window(window=10)
    w.record(100, now=0.0)
    w.record(1, now=1.0)
    assert w.summary(now=2.0) == (1, 1, 100, 50.5)
    w.record(7, now=6.0)  # a new half-window: the first one is still counted
    assert w.summary(now=6.0)[1:3] == (1, 100)
    # two half-windows later only the newest samples remain
    w.record(3, now=12.0)
    last, low, high, _ = w.summary(now=12.0)
    assert (last, low, high) == (3, 3, 7)
    assert w.summary(now=40.0) == (3, 0.0, 0.0, 0.0)


def test_a_burst_before_the_first_sample_counts() -> None:
    rate = Rate(window=30, start=0.0)
    rate.sample(3000, now=0.5)  # everything happened in the first half second
    assert rate.value(3000, now=2.0) == 1500.0
