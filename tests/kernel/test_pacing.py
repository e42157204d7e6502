"""Flood limits on our side, driven by a fake clock: windows counted from answers, less the
fastest round trip seen (less a margin), so that no window at the platform is ever overfull."""

from __future__ import annotations

import pytest

from bot.pacing import POLL_SECONDS, FloodLimits


class FakeClock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def limits(clock: FakeClock, per_second: int = 3) -> FloodLimits:
    """Three a second overall, so that a window fills in a few requests."""
    return FloodLimits(per_second=per_second, now=clock, margin=0.010)


def fill_window(flood: FloodLimits, clock: FakeClock, round_trip: float) -> None:
    """Send `per_second` requests to different groups, each answered after `round_trip`."""
    for number in range(flood.per_second):
        clock.now += flood.wait(f"-{number}", group=True)
        request = flood.take(f"-{number}", group=True)
        clock.now += round_trip
        flood.answered(request)


def test_a_full_window_waits_for_the_deciding_answer() -> None:
    clock = FakeClock()
    flood = limits(clock)
    first = flood.take("-1", group=True)
    for number in (2, 3):
        clock.now += flood.wait(f"-{number}", group=True)
        flood.take(f"-{number}", group=True)
    clock.now = 101.2
    # The first is not answered yet: it may arrive at any moment, so the fourth waits.
    assert flood.wait("-4", group=True) == POLL_SECONDS
    flood.answered(first)
    # Answered after 1.2 s: the fourth, too, will spend at least 1.19 s on its way, so
    # it arrives after 101.01 + 0.19, a second after the first went out and 0.01 s more.
    assert flood.wait("-4", group=True) == 0.0


def test_a_window_costs_the_margin_not_the_round_trip() -> None:
    clock = FakeClock()
    flood = limits(clock)
    fill_window(flood, clock, round_trip=0.050)
    # The first went at 100.0 and was answered at 100.050; the fastest round trip is 50 ms.
    assert clock.now + flood.wait("-9", group=True) == pytest.approx(101.0 + 0.010)


def test_a_slow_answer_pushes_the_window_by_its_delay_over_the_fastest() -> None:
    clock = FakeClock()
    flood = limits(clock)
    fill_window(flood, clock, round_trip=0.050)
    clock.now += 2.0
    slow = flood.take("-10", group=True)
    clock.now += 0.300
    flood.answered(slow)
    for number in (11, 12):
        flood.take(f"-{number}", group=True)
    # The slow one may have arrived only just before its answer: the window counts from
    # there, less the 40 ms every request surely spends on its way.
    ready = clock.now + flood.wait("-13", group=True)
    assert ready == pytest.approx(slow.sent + 0.300 - 0.040 + 1.0)


def test_one_chat_waits_a_second_from_its_last_answer_less_the_lead() -> None:
    clock = FakeClock()
    flood = limits(clock, per_second=30)
    request = flood.take("5", group=False)
    clock.now += 0.060
    flood.answered(request)
    assert flood.wait("5", group=False) == pytest.approx(1.0 - 0.050)
    assert flood.wait("6", group=False) <= 1 / 30


def test_a_fast_failure_only_makes_the_pacing_stricter() -> None:
    clock = FakeClock()
    flood = limits(clock)
    fill_window(flood, clock, round_trip=0.050)
    second_answered = clock.now - 1 / 3
    refused = flood.take("-20", group=True)
    clock.now += 0.001
    flood.answered(refused)  # a connection refused at once: nothing surely on the way
    # The second request of the window decides, counted from its very answer.
    ready = clock.now + flood.wait("-21", group=True)
    assert ready == pytest.approx(second_answered + 1.0)


def test_after_a_late_request_a_few_catch_up_then_the_spacing_resumes() -> None:
    clock = FakeClock()
    flood = limits(clock, per_second=30)
    flood.take("1", group=False)
    clock.now += 0.2  # the next one's task ran late
    at_once = 0
    while flood.wait(f"{at_once + 2}", group=False) == 0:
        flood.take(f"{at_once + 2}", group=False)
        at_once += 1
    # The late one and about three more (a tenth of a second's worth) go now; then one
    # a 30th of a second again.
    assert 3 <= at_once <= 4
    assert 0 < flood.wait("9", group=False) <= 1 / 30 + 1e-9
