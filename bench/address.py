"""Address resolution speed and round-trip accuracy; prints one JSON line.

Run in a fresh process: ``.venv/bin/python bench/address.py``. The round trip resolves every county's and a
sample of townships' display names (湖南省长沙市岳麓区望月湖街道 + a house number) and counts exact hits;
the short form is how callers say it (长沙岳麓区附近).
"""

from __future__ import annotations

import json
import random
import time

from liandong.reference import address, divisions
from liandong.reference.enums import DivisionLevel


def main() -> None:
    started = time.perf_counter()
    divisions.load(names=False)
    index_load_s = time.perf_counter() - started
    started = time.perf_counter()
    divisions.load()
    names_load_s = time.perf_counter() - started
    started = time.perf_counter()
    address.load()
    lexicon_load_s = time.perf_counter() - started

    rng = random.Random(12345)
    everything = list(divisions.all_divisions())
    counties = [d for d in everything if d.level is DivisionLevel.COUNTY]
    townships = rng.sample([d for d in everything if d.level is DivisionLevel.TOWNSHIP], 3000)
    cases = [(d.full_name + "人民路88号", d.code) for d in counties + townships]

    started = time.perf_counter()
    results = [(address.resolve(text), code) for text, code in cases]
    elapsed = time.perf_counter() - started
    exact = sum(r.adcode == code for r, code in results)
    wrong = sum(r.adcode is not None and not divisions.is_within(code, r.adcode) for r, code in results)

    # Short forms as callers say them: city without its suffix, then the county (长沙岳麓区).
    short_cases = []
    for d in counties:
        city = divisions.get(d.parent_code)
        if city is not None and not city.placeholder and city.name != d.name:
            short_cases.append(((divisions.stem(city.name) or city.name) + d.name + "附近", d.code))
    short_exact = sum(address.resolve(text).adcode == code for text, code in short_cases)

    sentences = [f"我住在{d.full_name}，楼下有人吵架，已经两个小时了。" for d in townships[:200]]
    started = time.perf_counter()
    found = [address.find_locations(s) for s in sentences]
    find_elapsed = time.perf_counter() - started

    print(
        json.dumps(
            {
                "bench": "address",
                "index_load_s": round(index_load_s, 3),
                "names_load_s": round(names_load_s, 3),
                "lexicon_load_s": round(lexicon_load_s, 3),
                "resolutions": len(cases),
                "resolutions_per_s": round(len(cases) / elapsed, 1),
                "round_trip_exact": round(exact / len(cases), 4),
                "round_trip_wrong": round(wrong / len(cases), 4),
                "short_form_exact": round(short_exact / len(short_cases), 4),
                "find_locations_per_s": round(len(sentences) / find_elapsed, 1),
                "find_locations_hit": round(sum(bool(f) for f in found) / len(found), 4),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
