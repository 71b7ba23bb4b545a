"""Erlang B/C/A against exact birth-death solutions, textbook figures, a simulation, and bad input."""

from __future__ import annotations

import heapq
import itertools
import math
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liandong.analytics.erlang import (
    MAX_AGENTS,
    agents_needed,
    agents_needed_erlang_a,
    average_speed_of_answer,
    erlang_a,
    erlang_b,
    erlang_c,
    occupancy,
    service_level,
    traffic_intensity,
)
from liandong.core.errors import InvalidInput


def exact_b(agents: int, traffic: Fraction) -> Fraction:
    """M/M/N/N blocking from the birth-death weights w_n = w_{n-1} A / n."""
    weights = [Fraction(1)]
    for n in range(1, agents + 1):
        weights.append(weights[-1] * traffic / n)
    return weights[-1] / sum(weights)


def exact_c(agents: int, traffic: Fraction) -> Fraction:
    """M/M/N waiting probability from the birth-death weights; the queue tail is geometric in A / N."""
    weights = [Fraction(1)]
    for n in range(1, agents + 1):
        weights.append(weights[-1] * traffic / n)
    rho = traffic / agents
    tail = weights[-1] / (1 - rho)
    return tail / (sum(weights[:-1]) + tail)


@pytest.mark.parametrize(
    ("agents", "traffic"),
    [(1, Fraction(1, 2)), (2, Fraction(3, 2)), (5, Fraction(4)), (10, Fraction(5)), (13, Fraction(10))],
)
def test_erlang_b_and_c_match_exact_fractions(agents: int, traffic: Fraction) -> None:
    assert erlang_b(agents=agents, traffic=float(traffic)) == pytest.approx(float(exact_b(agents, traffic)))
    assert erlang_c(agents=agents, traffic=float(traffic)) == pytest.approx(float(exact_c(agents, traffic)))


def test_textbook_100_calls_per_half_hour_180_s() -> None:
    # The classic worked example: 100 calls in 30 min at 3 min AHT is 10 Erlangs.
    traffic = traffic_intensity(arrivals=100, aht_seconds=180, interval_seconds=1800)
    assert traffic == 10
    assert erlang_c(agents=13, traffic=traffic) == pytest.approx(0.2853, abs=1e-4)
    assert erlang_c(agents=14, traffic=traffic) == pytest.approx(0.1741, abs=1e-4)
    assert service_level(agents=14, traffic=traffic, aht_seconds=180, target_t=20) == pytest.approx(
        0.8884, abs=1e-4
    )
    assert average_speed_of_answer(agents=14, traffic=traffic, aht_seconds=180) == pytest.approx(
        7.836, abs=1e-3
    )
    assert occupancy(agents=14, traffic=traffic) == pytest.approx(10 / 14)
    result = agents_needed(100, 180, 1800, target_sl=0.8, target_t=20)
    assert result.agents == 14
    assert erlang_b(agents=10, traffic=5) == pytest.approx(0.01838, abs=1e-5)


def test_large_pools_do_not_overflow() -> None:
    c = erlang_c(agents=2000, traffic=1950.0)
    assert 0 < c < 1
    assert erlang_c(agents=2000, traffic=2000.0) == 1.0
    assert erlang_c(agents=2000, traffic=2500.0) == 1.0
    assert service_level(agents=2000, traffic=2500.0, aht_seconds=180, target_t=15) == 0.0
    assert average_speed_of_answer(agents=10, traffic=12, aht_seconds=180) == math.inf
    staffed = agents_needed(20_000, 180)
    assert 2000 < staffed.agents < 2100
    assert staffed.service_level >= 0.9


def test_zero_load_needs_no_seats() -> None:
    result = agents_needed(0, 180)
    assert result.agents == 0
    assert result.service_level == 1.0
    assert erlang_c(agents=3, traffic=0) == 0.0


def test_max_occupancy_adds_seats() -> None:
    free = agents_needed(1000, 180, target_sl=0.8, target_t=20)
    capped = agents_needed(1000, 180, target_sl=0.8, target_t=20, max_occupancy=0.85)
    assert capped.agents > free.agents
    assert capped.occupancy <= 0.85
    assert (capped.traffic / (capped.agents - 1)) > 0.85


@settings(max_examples=60, deadline=None)
@given(agents=st.integers(1, 300), traffic=st.floats(0, 400, allow_nan=False))
def test_erlang_c_is_a_probability(agents: int, traffic: float) -> None:
    c = erlang_c(agents=agents, traffic=traffic)
    b = erlang_b(agents=agents, traffic=traffic)
    assert 0.0 <= b <= c <= 1.0


@settings(max_examples=60, deadline=None)
@given(traffic=st.floats(0.1, 200), aht=st.floats(10, 900), t=st.floats(0, 60))
def test_service_level_rises_with_agents(traffic: float, aht: float, t: float) -> None:
    start = math.floor(traffic) + 1
    levels = [
        service_level(agents=n, traffic=traffic, aht_seconds=aht, target_t=t)
        for n in range(start, start + 15)
    ]
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(levels))


@settings(max_examples=60, deadline=None)
@given(
    arrivals=st.floats(0.5, 3000),
    aht=st.floats(20, 900),
    target=st.floats(0.5, 0.99),
    t=st.floats(0, 60),
)
def test_agents_needed_is_the_minimum(arrivals: float, aht: float, target: float, t: float) -> None:
    result = agents_needed(arrivals, aht, 1800, target_sl=target, target_t=t)
    traffic = arrivals * aht / 1800
    assert service_level(agents=result.agents, traffic=traffic, aht_seconds=aht, target_t=t) >= target
    below = result.agents - 1
    if below >= 1:
        assert service_level(agents=below, traffic=traffic, aht_seconds=aht, target_t=t) < target


def simulate_mmn_m(agents: int, lam: float, mu: float, theta: float, t: float, n: int, seed: int) -> dict:
    """FCFS M/M/N+M by the earliest-free-server recursion; abandoning callers never hold a seat."""
    rng = random.Random(seed)
    free = [0.0] * agents
    now = 0.0
    waited = answered_in_t = abandoned = 0
    for _ in range(n):
        now += rng.expovariate(lam)
        patience = rng.expovariate(theta)
        start = max(now, free[0])
        if start - now > patience:
            abandoned += 1
            continue
        waited += start > now
        answered_in_t += start - now <= t
        heapq.heapreplace(free, start + rng.expovariate(mu))
    return {"sl": answered_in_t / n, "p_abandon": abandoned / n, "p_wait": waited / n}


def test_erlang_a_matches_simulation() -> None:
    result = erlang_a(agents=12, arrivals_per_interval=100, aht_seconds=180, patience_seconds=60, target_t=20)
    sim = simulate_mmn_m(12, 100 / 1800, 1 / 180, 1 / 60, 20, 200_000, seed=7)
    assert result.service_level == pytest.approx(sim["sl"], abs=0.01)
    assert result.p_abandon == pytest.approx(sim["p_abandon"], abs=0.01)


def test_erlang_a_limits() -> None:
    # Patience equal to handling time makes the head count an M/M/inf (Poisson) variable.
    same = erlang_a(agents=12, arrivals_per_interval=100, aht_seconds=180, patience_seconds=180, target_t=20)
    poisson_below = sum(math.exp(-10) * 10**k / math.factorial(k) for k in range(12))
    assert same.p_wait == pytest.approx(1 - poisson_below, abs=1e-9)
    # Nearly infinite patience gives back Erlang C.
    patient = erlang_a(
        agents=14, arrivals_per_interval=100, aht_seconds=180, patience_seconds=1e9, target_t=20
    )
    assert patient.p_wait == pytest.approx(erlang_c(agents=14, traffic=10), abs=1e-5)
    assert patient.service_level == pytest.approx(
        service_level(agents=14, traffic=10, aht_seconds=180, target_t=20), abs=1e-4
    )
    at_zero = erlang_a(agents=12, arrivals_per_interval=100, aht_seconds=180, patience_seconds=60, target_t=0)
    assert at_zero.service_level == pytest.approx(1 - at_zero.p_wait)
    forever = erlang_a(
        agents=12, arrivals_per_interval=100, aht_seconds=180, patience_seconds=60, target_t=1e6
    )
    assert forever.service_level == pytest.approx(1 - forever.p_abandon, abs=1e-6)


def test_erlang_a_overloaded_stays_finite() -> None:
    result = erlang_a(agents=10, arrivals_per_interval=300, aht_seconds=180, patience_seconds=30)
    assert 0.5 < result.p_abandon < 1
    assert 0 <= result.service_level < 0.5
    assert result.occupancy == pytest.approx(1.0, abs=0.01)


def test_agents_needed_erlang_a_is_minimal_and_not_above_erlang_c() -> None:
    a = agents_needed_erlang_a(arrivals_per_interval=400, aht_seconds=240, patience_seconds=90, target_sl=0.9)
    c = agents_needed(400, 240, target_sl=0.9)
    assert a.agents <= c.agents
    assert a.service_level >= 0.9
    below = erlang_a(agents=a.agents - 1, arrivals_per_interval=400, aht_seconds=240, patience_seconds=90)
    assert below.service_level < 0.9
    assert agents_needed_erlang_a(arrivals_per_interval=0, aht_seconds=240, patience_seconds=90).agents == 0


def test_agents_needed_erlang_a_with_very_short_patience() -> None:
    result = agents_needed_erlang_a(
        arrivals_per_interval=100, aht_seconds=180, patience_seconds=1, target_sl=0.95
    )
    assert result.service_level >= 0.95


@pytest.mark.parametrize("bad", [-1, math.nan, math.inf, "10", True, None])
def test_bad_traffic_is_refused(bad: object) -> None:
    with pytest.raises(InvalidInput):
        erlang_c(agents=5, traffic=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, -3, MAX_AGENTS + 1, 2.5, "5", False])
def test_bad_agents_are_refused(bad: object) -> None:
    with pytest.raises(InvalidInput) as err:
        erlang_b(agents=bad, traffic=1.0)  # type: ignore[arg-type]
    assert err.value.field == "agents"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"aht_seconds": 0}, "aht_seconds"),
        ({"aht_seconds": math.nan}, "aht_seconds"),
        ({"arrivals_per_interval": -5}, "arrivals"),
        ({"interval_seconds": 0}, "interval_seconds"),
        ({"target_sl": 1.0}, "target_sl"),
        ({"target_sl": 0}, "target_sl"),
        ({"target_t": -1}, "target_t"),
        ({"max_occupancy": 1.5}, "max_occupancy"),
        ({"max_occupancy": 0}, "max_occupancy"),
        ({"arrivals_per_interval": 1e12}, "arrivals_per_interval"),
    ],
)
def test_agents_needed_bad_input(kwargs: dict, field: str) -> None:
    args = {"arrivals_per_interval": 100, "aht_seconds": 180} | kwargs
    with pytest.raises(InvalidInput) as err:
        agents_needed(**args)
    assert err.value.field == field


@pytest.mark.parametrize(
    "kwargs",
    [
        {"patience_seconds": 0},
        {"patience_seconds": -1},
        {"patience_seconds": math.nan},
        {"target_t": math.inf},
    ],
)
def test_erlang_a_bad_input(kwargs: dict) -> None:
    args = {"agents": 5, "arrivals_per_interval": 100, "aht_seconds": 180, "patience_seconds": 60} | kwargs
    with pytest.raises(InvalidInput):
        erlang_a(**args)


def test_erlang_a_refuses_a_queue_that_never_settles() -> None:
    with pytest.raises(InvalidInput) as err:
        erlang_a(agents=1, arrivals_per_interval=1800, aht_seconds=180, patience_seconds=1e12)
    assert err.value.field == "patience_seconds"
