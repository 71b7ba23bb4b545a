"""Rules 2024.8: callers' own words, a recall audit of ~480 phrasings (tests/triage/data/caller_probe.txt).

Each case says which lines are right and whether the emergency flag must be set. Missing the flag is the worst
error; the controls (the same words as figures of speech, about things, or ordinary outages) say what the recall
must not cost. Accepted errors are marked `known:` in the file and expected to fail, so a fix shows up.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from liandong.triage import RuleSet, Triager

PROBE = Path(__file__).parent / "data" / "caller_probe.txt"
SERVICE = {"12345", "utility", "out_of_scope"}
POLICE_LINES = {"110", "122"}


def outcome(expected: set[str], em: str, platform: str, emergency: bool) -> str:
    """OK, or the kind of error, worst first: MISS-EM, LOST, LINE, OVER, SVC, OVER-FLAG."""
    if em == "1" and not emergency:
        return "MISS-EM"
    if expected <= SERVICE:
        if platform in expected and not emergency:
            return "OK"
        return "SVC" if platform in SERVICE and not emergency else "OVER"
    if platform not in expected:
        return "LOST" if platform in SERVICE and expected & POLICE_LINES else "LINE"
    if em == "0" and emergency:
        return "OVER-FLAG"
    return "OK"


def cases() -> list[object]:
    """One pytest param per case line; a `known:` line before it marks it an accepted error."""
    params: list[object] = []
    known: str | None = None
    for raw in PROBE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("known:"):
            known = line
            continue
        if not line or line.startswith("#"):
            continue
        lines, em, text = line.split(" ", 2)
        marks = [pytest.mark.xfail(reason=known, strict=True)] if known else []
        params.append(pytest.param(set(lines.split("/")), em, text, id=text[:24], marks=marks))
        known = None
    return params


def test_the_probe_is_the_size_it_says() -> None:
    assert len(cases()) > 450


def test_rules_version_is_2024_8() -> None:
    assert RuleSet.default().version == "2024.8"


@pytest.mark.parametrize(("lines", "em", "text"), cases())
def test_caller_phrasing(triager: Triager, lines: set[str], em: str, text: str) -> None:
    d = triager.triage(text)
    assert outcome(lines, em, d.platform.value, d.emergency) == "OK", (d.platform, d.emergency, d.reasons)
