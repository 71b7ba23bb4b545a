"""Harassment control (恶意骚扰, policy 四): review candidates with evidence, a seat flag, never a block.

Rules this module keeps on purpose:
- It never blocks a call. Its output is a candidate a person reviews; a confirmed review yields a
  flag the seat sees next to the caller, and the seat still answers.
- A caller with an emergency call (紧急警情/求助) in the lookback window is never eligible for any
  restriction: the candidate says `restriction_allowed=False` and the confirmed flag keeps it so,
  whatever the reviewer decides; the seat notice is suppressed on an emergency call.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from liandong.analytics.forecast import local_time
from liandong.analytics.risk import normalize_phone
from liandong.core.errors import InvalidInput

# Insults aimed at the operator. Threats are left out on purpose: "他说要杀了我" is a report, not abuse.
ABUSIVE_WORDS: tuple[str, ...] = (
    "傻逼", "傻b", "煞笔", "沙比", "傻叉", "他妈的", "你妈的", "操你", "草你", "日你", "肏", "去你妈",
    "王八蛋", "狗日的", "狗东西", "贱人", "婊子", "畜生", "脑残", "智障", "废物", "混蛋", "滚蛋",
    "死全家", "不得好死", "去死吧", "杂种", "妈了个",
)  # fmt: skip
# Pinyin initials used as insults; matched as whole latin tokens so "sb" inside a word does not count.
ABUSIVE_LATIN: tuple[str, ...] = ("sb", "nmsl", "cnm", "tmd", "nmb", "wcnm", "rnm")

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
_LATIN_TOKEN = re.compile(r"[a-z]+")


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One inbound call as harassment control sees it."""

    id: str
    caller: str
    started_at: datetime
    duration_seconds: float
    answered: bool = True
    speech_detected: bool | None = None
    transcript: str = ""
    emergency: bool = False


@dataclass(frozen=True, slots=True)
class HarassmentCandidate:
    """A caller number proposed for human review, with the evidence behind it."""

    caller: str
    reasons: list[str]
    total_calls: int
    silent_calls: int
    abusive_calls: int
    abusive_words: list[str]
    example_call_ids: list[str]
    restriction_allowed: bool
    recent_emergency_call_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class HarassmentFlag:
    """The outcome of a person's review: a note shown to the seat; it never blocks the call."""

    caller: str
    confirmed: bool
    reviewer: str
    note: str
    reviewed_at: datetime
    expires_at: datetime
    reasons: list[str]
    restriction_allowed: bool


def abusive_words_in(text: str) -> list[str]:
    """Abusive words found in a transcript, after folding width, case, spaces and punctuation."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    # Spaces and symbols inserted between characters ("傻 逼", "傻*逼") must not hide the word.
    squeezed = _NOISE.sub("", folded)
    found = [w for w in ABUSIVE_WORDS if w in squeezed]
    tokens = set(_LATIN_TOKEN.findall(folded))
    found.extend(w for w in ABUSIVE_LATIN if w in tokens)
    return found


def is_silent(call: CallRecord, *, max_seconds: float = 5.0) -> bool:
    """An answered call that was short and carried no speech."""
    if not call.answered or call.duration_seconds > max_seconds:
        return False
    if call.speech_detected is not None:
        return not call.speech_detected
    return not (call.transcript or "").strip()


def find_candidates(
    *,
    calls: Iterable[CallRecord],
    now: datetime,
    window_hours: int = 24,
    frequent_calls: int = 20,
    silent_calls: int = 5,
    abusive_calls: int = 2,
    silent_max_seconds: float = 5.0,
    emergency_lookback_days: int = 30,
    max_examples: int = 10,
) -> list[HarassmentCandidate]:
    """Callers with very frequent, silent or abusive calls in the window, as review candidates."""
    for name, value in (
        ("window_hours", window_hours),
        ("frequent_calls", frequent_calls),
        ("silent_calls", silent_calls),
        ("abusive_calls", abusive_calls),
        ("emergency_lookback_days", emergency_lookback_days),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidInput(name, "must be a positive integer")
    now_local = local_time(now)
    window_start = now_local - timedelta(hours=window_hours)
    emergency_start = now_local - timedelta(days=emergency_lookback_days)
    in_window: dict[str, list[CallRecord]] = defaultdict(list)
    emergencies: dict[str, list[str]] = defaultdict(list)
    for call in calls:
        if not isinstance(call, CallRecord):
            raise InvalidInput("calls", f"expected CallRecord, got {type(call).__name__}")
        caller = normalize_phone(call.caller)
        if not caller:
            continue  # withheld numbers cannot be flagged; nothing to attach a note to
        at = local_time(call.started_at)
        if at > now_local:
            continue
        if call.emergency and at >= emergency_start:
            emergencies[caller].append(call.id)
        if at >= window_start:
            in_window[caller].append(call)
    out: list[HarassmentCandidate] = []
    for caller, group in in_window.items():
        silent = [c for c in group if is_silent(c, max_seconds=silent_max_seconds)]
        abusive = {c.id: abusive_words_in(c.transcript) for c in group}
        abusive = {k: v for k, v in abusive.items() if v}
        reasons = []
        if len(group) >= frequent_calls:
            reasons.append(f"频繁来电：{window_hours}小时内{len(group)}次")
        if len(silent) >= silent_calls:
            reasons.append(f"无声来电：{len(silent)}次短时无语音通话")
        if len(abusive) >= abusive_calls:
            reasons.append(f"辱骂：{len(abusive)}次通话含辱骂用语")
        if not reasons:
            continue
        examples = [*abusive, *(c.id for c in silent), *(c.id for c in group)]
        out.append(
            HarassmentCandidate(
                caller=caller,
                reasons=reasons,
                total_calls=len(group),
                silent_calls=len(silent),
                abusive_calls=len(abusive),
                abusive_words=sorted({w for words in abusive.values() for w in words}),
                example_call_ids=list(dict.fromkeys(examples))[:max_examples],
                restriction_allowed=caller not in emergencies,
                recent_emergency_call_ids=emergencies.get(caller, []),
            )
        )
    out.sort(key=lambda c: (-len(c.reasons), -c.total_calls, c.caller))
    return out


def review(
    *,
    candidate: HarassmentCandidate,
    reviewer: str,
    confirm: bool,
    now: datetime,
    note: str = "",
    ttl_days: int = 90,
) -> HarassmentFlag:
    """Record a person's decision on a candidate; the flag expires so nobody stays marked forever."""
    if not isinstance(reviewer, str) or not reviewer.strip():
        raise InvalidInput("reviewer", "a named person must review every candidate")
    if isinstance(ttl_days, bool) or not isinstance(ttl_days, int) or not 1 <= ttl_days <= 365:
        raise InvalidInput("ttl_days", "must be in 1..365")
    if len(note) > 2000:
        raise InvalidInput("note", "at most 2000 characters")
    reviewed_at = local_time(now)
    return HarassmentFlag(
        caller=candidate.caller,
        confirmed=bool(confirm),
        reviewer=reviewer.strip(),
        note=note,
        reviewed_at=reviewed_at,
        expires_at=reviewed_at + timedelta(days=ttl_days),
        reasons=list(candidate.reasons),
        # A recent emergency caller keeps full service whatever the review says.
        restriction_allowed=bool(confirm) and candidate.restriction_allowed,
    )


def seat_notice(*, flag: HarassmentFlag | None, now: datetime, emergency: bool = False) -> str | None:
    """Text the seat sees for an incoming call; None when nothing to show. Never a reason to drop the call."""
    if flag is None or not flag.confirmed or local_time(now) >= flag.expires_at:
        return None
    if emergency:
        return None  # an emergency is handled as one; the harassment history must not colour it
    return "该号码经人工复核存在骚扰记录（" + "；".join(flag.reasons) + "），请正常接听并按规范处置"
