"""Benchmark: Erlang C for 2,000 seats (target <= 10 ms), agents_needed and Erlang A; prints one JSON line."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

from liandong.analytics.erlang import agents_needed, agents_needed_erlang_a, erlang_a, erlang_c

TARGET_MS = 10.0


def timed_ms(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median and worst wall time in milliseconds over the repeats."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    # 2,000 seats near full load: 21,000 calls per half hour at 170 s AHT is 1,983 Erlangs.
    c_med, c_max = timed_ms(lambda: erlang_c(agents=2000, traffic=1983.3), 50)
    n_med, n_max = timed_ms(lambda: agents_needed(21_000, 170, 1800, target_sl=0.9, target_t=15), 20)
    seats = agents_needed(21_000, 170, 1800, target_sl=0.9, target_t=15)
    a_med, _ = timed_ms(
        lambda: erlang_a(agents=2000, arrivals_per_interval=21_000, aht_seconds=170, patience_seconds=60), 10
    )
    aa_med, _ = timed_ms(
        lambda: agents_needed_erlang_a(arrivals_per_interval=21_000, aht_seconds=170, patience_seconds=60), 3
    )
    print(
        json.dumps(
            {
                "bench": "erlang",
                "erlang_c_2000_seats_ms": round(c_med, 3),
                "erlang_c_2000_seats_max_ms": round(c_max, 3),
                "erlang_c_target_ms": TARGET_MS,
                "erlang_c_within_target": c_max <= TARGET_MS,
                "agents_needed_ms": round(n_med, 3),
                "agents_needed_max_ms": round(n_max, 3),
                "agents_needed_seats": seats.agents,
                "erlang_a_2000_seats_ms": round(a_med, 3),
                "agents_needed_erlang_a_ms": round(aa_med, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
