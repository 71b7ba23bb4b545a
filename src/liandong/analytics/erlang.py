"""Erlang B, C and A queueing formulas for seat staffing (policy 三(二): size seats from call volume)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import betaincc

from liandong.core.errors import InvalidInput

# Hostile or mistyped input (10^9 seats) would otherwise loop for minutes.
MAX_AGENTS = 200_000
# Erlang A keeps the birth-death chain finite; a queue this long means the inputs make no sense.
MAX_QUEUE_STATES = 200_000


def _positive(field: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(field, f"must be a number, got {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise InvalidInput(field, f"must be a positive finite number, got {value}")
    return float(value)


def _non_negative(field: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(field, f"must be a number, got {type(value).__name__}")
    if not math.isfinite(value) or value < 0:
        raise InvalidInput(field, f"must be a non-negative finite number, got {value}")
    return float(value)


def _agents(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("agents", f"must be an integer, got {type(value).__name__}")
    if value < 1 or value > MAX_AGENTS:
        raise InvalidInput("agents", f"must be between 1 and {MAX_AGENTS}, got {value}")
    return value


def _fraction(field: str, value: float) -> float:
    value = _positive(field, value)
    if value >= 1:
        raise InvalidInput(field, f"must be in (0, 1), got {value}")
    return value


def traffic_intensity(*, arrivals: float, aht_seconds: float, interval_seconds: float = 1800) -> float:
    """Offered load in Erlangs: arrivals per interval x handling time / interval length."""
    arrivals = _non_negative("arrivals", arrivals)
    aht = _positive("aht_seconds", aht_seconds)
    interval = _positive("interval_seconds", interval_seconds)
    return arrivals * aht / interval


def erlang_b(*, agents: int, traffic: float) -> float:
    """Blocking probability of M/M/N/N by the stable recursion B(n) = A B(n-1) / (n + A B(n-1))."""
    agents = _agents(agents)
    traffic = _non_negative("traffic", traffic)
    b = 1.0
    for n in range(1, agents + 1):
        ab = traffic * b
        b = ab / (n + ab)
    return b


def _erlang_c_from_b(agents: int, traffic: float, b: float) -> float:
    if traffic >= agents:
        return 1.0
    return agents * b / (agents - traffic * (1.0 - b))


def erlang_c(*, agents: int, traffic: float) -> float:
    """Probability an arrival waits in M/M/N (1.0 when the load reaches the seats: the queue grows)."""
    agents = _agents(agents)
    traffic = _non_negative("traffic", traffic)
    return _erlang_c_from_b(agents, traffic, erlang_b(agents=agents, traffic=traffic))


def _sl_from_c(agents: int, traffic: float, c: float, aht: float, t: float) -> float:
    if traffic >= agents:
        return 0.0
    return max(0.0, 1.0 - c * math.exp(-(agents - traffic) * t / aht))


def service_level(*, agents: int, traffic: float, aht_seconds: float, target_t: float) -> float:
    """P(wait <= target_t) in M/M/N: 1 - C exp(-(N - A) t / AHT)."""
    aht = _positive("aht_seconds", aht_seconds)
    t = _non_negative("target_t", target_t)
    c = erlang_c(agents=agents, traffic=traffic)
    return _sl_from_c(agents, float(traffic), c, aht, t)


def average_speed_of_answer(*, agents: int, traffic: float, aht_seconds: float) -> float:
    """Mean wait in seconds over all arrivals, C AHT / (N - A); infinite when overloaded."""
    aht = _positive("aht_seconds", aht_seconds)
    c = erlang_c(agents=agents, traffic=traffic)
    if traffic >= agents:
        return math.inf
    return c * aht / (agents - traffic)


def occupancy(*, agents: int, traffic: float) -> float:
    """Share of seat time spent handling calls, A / N capped at 1."""
    agents = _agents(agents)
    traffic = _non_negative("traffic", traffic)
    return min(1.0, traffic / agents)


@dataclass(frozen=True, slots=True)
class StaffingResult:
    """Seats needed for one interval and the figures they achieve."""

    agents: int
    traffic: float
    service_level: float
    p_wait: float
    asa_seconds: float
    occupancy: float


def agents_needed(
    arrivals_per_interval: float,
    aht_seconds: float,
    interval_seconds: float = 1800,
    target_sl: float = 0.9,
    target_t: float = 15,
    max_occupancy: float | None = None,
) -> StaffingResult:
    """Smallest seat count meeting the service level (and occupancy cap) under Erlang C."""
    traffic = traffic_intensity(
        arrivals=arrivals_per_interval, aht_seconds=aht_seconds, interval_seconds=interval_seconds
    )
    aht = float(aht_seconds)
    target_sl = _fraction("target_sl", target_sl)
    t = _non_negative("target_t", target_t)
    if max_occupancy is not None and _positive("max_occupancy", max_occupancy) > 1:
        raise InvalidInput("max_occupancy", f"must be in (0, 1], got {max_occupancy}")
    if traffic == 0:
        return StaffingResult(0, 0.0, 1.0, 0.0, 0.0, 0.0)
    if traffic >= MAX_AGENTS:
        raise InvalidInput(
            "arrivals_per_interval", f"load of {traffic:.0f} Erlangs exceeds {MAX_AGENTS} seats"
        )
    # One pass of the B recursion; every candidate N reuses the previous B(N - 1).
    b = 1.0
    n = 0
    while n < MAX_AGENTS:
        n += 1
        ab = traffic * b
        b = ab / (n + ab)
        if n <= traffic:
            continue
        if max_occupancy is not None and traffic / n > max_occupancy:
            continue
        c = _erlang_c_from_b(n, traffic, b)
        sl = _sl_from_c(n, traffic, c, aht, t)
        if sl >= target_sl:
            return StaffingResult(n, traffic, sl, c, c * aht / (n - traffic), traffic / n)
    raise InvalidInput("target_sl", f"not reachable with {MAX_AGENTS} seats")


@dataclass(frozen=True, slots=True)
class ErlangAResult:
    """Steady state of M/M/N+M (callers abandon after exponential patience)."""

    agents: int
    traffic: float
    p_wait: float
    p_abandon: float
    service_level: float
    asa_seconds: float
    occupancy: float


def _erlang_a_distribution(agents: int, lam: float, mu: float, theta: float) -> np.ndarray:
    """Stationary probabilities of the number in system, built in log space so nothing overflows."""
    logs = [0.0]
    n = 0
    peak = 0.0
    while True:
        n += 1
        rate = min(n, agents) * mu + max(n - agents, 0) * theta
        logs.append(logs[-1] + math.log(lam) - math.log(rate))
        peak = max(peak, logs[-1])
        # Past the mode the terms fall geometrically; stop when they no longer matter.
        if lam < rate and logs[-1] < peak - 40:
            break
        if n > agents + MAX_QUEUE_STATES:
            raise InvalidInput("patience_seconds", "queue does not settle: patience too long for this load")
    arr = np.asarray(logs)
    weights = np.exp(arr - arr.max())
    return weights / weights.sum()


def erlang_a(
    *,
    agents: int,
    arrivals_per_interval: float,
    aht_seconds: float,
    patience_seconds: float,
    target_t: float = 15,
    interval_seconds: float = 1800,
) -> ErlangAResult:
    """Erlang A by the birth-death chain; service level counts abandoned callers as not answered in time."""
    agents = _agents(agents)
    arrivals = _non_negative("arrivals_per_interval", arrivals_per_interval)
    aht = _positive("aht_seconds", aht_seconds)
    patience = _positive("patience_seconds", patience_seconds)
    t = _non_negative("target_t", target_t)
    interval = _positive("interval_seconds", interval_seconds)
    traffic = arrivals * aht / interval
    if arrivals == 0:
        return ErlangAResult(agents, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    lam, mu, theta = arrivals / interval, 1.0 / aht, 1.0 / patience
    pi = _erlang_a_distribution(agents, lam, mu, theta)
    queue = pi[agents:]
    positions = np.arange(queue.size, dtype=float)
    mean_queue = float((positions * queue).sum())
    p_wait = float(queue.sum())
    p_abandon = theta * mean_queue / lam
    served_now = 1.0 - p_wait
    if t == 0 or queue.size == 0:
        sl = served_now
    else:
        sl = served_now + _served_within(queue, agents * mu, theta, t)
    busy = float((np.minimum(np.arange(pi.size), agents) * pi).sum())
    return ErlangAResult(
        agents=agents,
        traffic=traffic,
        p_wait=p_wait,
        p_abandon=min(1.0, max(0.0, p_abandon)),
        service_level=min(1.0, max(0.0, sl)),
        asa_seconds=mean_queue / lam,
        occupancy=busy / agents,
    )


def _served_within(queue: np.ndarray, service_rate: float, theta: float, t: float) -> float:
    """Mass of waiting arrivals that reach a seat within t, in closed form (no matrix exponential).

    A caller with i ahead leaves state j at rate N mu + (j + 1) theta and moves up with probability
    (N mu + j theta) / (N mu + (j + 1) theta); the product telescopes to N mu / (N mu + (i + 1) theta).
    The time to the seat is a sum of exponentials with rates N mu + k theta, k = 1..i+1: the max of i+1
    Exp(theta) tilted by exp(-N mu x), whose CDF is the regularised incomplete beta
    1 - I_{exp(-theta t)}(N mu / theta + 1, i + 1).
    """
    ahead = np.arange(1, queue.size + 1, dtype=float)
    reach = service_rate / (service_rate + ahead * theta)
    in_time = betaincc(service_rate / theta + 1.0, ahead, math.exp(-theta * t))
    return float((queue * reach * in_time).sum())


def agents_needed_erlang_a(
    *,
    arrivals_per_interval: float,
    aht_seconds: float,
    patience_seconds: float,
    interval_seconds: float = 1800,
    target_sl: float = 0.9,
    target_t: float = 15,
) -> ErlangAResult:
    """Smallest seat count meeting the service level when callers abandon (bisection: SL rises with seats)."""
    upper = agents_needed(
        arrivals_per_interval, aht_seconds, interval_seconds, target_sl=target_sl, target_t=target_t
    )
    _positive("patience_seconds", patience_seconds)

    def run(n: int) -> ErlangAResult:
        return erlang_a(
            agents=n,
            arrivals_per_interval=arrivals_per_interval,
            aht_seconds=aht_seconds,
            patience_seconds=patience_seconds,
            target_t=target_t,
            interval_seconds=interval_seconds,
        )

    if upper.agents == 0:
        return ErlangAResult(0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    # Erlang C's answer is usually an upper bound; very short patience can break that, so widen until met.
    lo, hi = 1, upper.agents
    best = run(hi)
    while best.service_level < target_sl:
        if hi >= MAX_AGENTS:
            raise InvalidInput("target_sl", f"not reachable with {MAX_AGENTS} seats")
        lo, hi = hi + 1, min(MAX_AGENTS, hi * 2)
        best = run(hi)
    while lo < hi:
        mid = (lo + hi) // 2
        result = run(mid)
        if result.service_level >= target_sl:
            hi, best = mid, result
        else:
            lo = mid + 1
    return best
