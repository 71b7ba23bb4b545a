"""Surge-bot dialogue policy: answer if confident, else clarify or hand over; never answer an emergency."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import numpy as np

from liandong.knowledge.search import EntryId, Hit, KnowledgeIndex
from liandong.knowledge.tokenize import normalize

MAX_MESSAGE_CHARS = 2000
MAX_TRANSCRIPT = 60  # turns kept in the state; the handover request gets these
HANDOVER_PHRASES = (
    "转人工",
    "人工服务",
    "人工客服",
    "找客服",
    "找人工",
    "要人工",
    "接人工",
    "真人",
    "接线员",
    "话务员",
    "客服人员",
)
# Only when the injected detector is missing or fails: a needless 110 prompt beats a missed emergency.
FALLBACK_EMERGENCY = re.compile(
    r"救命|快来人|着火|起火|失火|火灾|爆炸|杀人|砍人|持刀|抢劫|绑架|强奸|打人|被打|车祸|撞人|昏迷|晕倒|不省人事|"
    r"没有呼吸|没呼吸|大出血|流血不止|溺水|跳楼|自杀|轻生|煤气泄漏|燃气泄漏|触电|中毒|被困|歹徒"
)
EMERGENCY_TEXT = (
    "您描述的情况可能危及生命或财产安全，本服务不处理紧急求助。请立即拨打110报警；火灾请拨打119；"
    "急救请拨打120；交通事故请拨打122。我们已同步上报紧急情况。"
)
SURGE_TEXT = (
    "当前来电较多，您也可以通过12345政务服务便民热线网站、APP或微信小程序在线提交诉求，无需排队等候。"
)
HANDOVER_TEXT = "正在为您转接人工服务，您刚才的对话内容已一并转交，请稍候。"
NO_MATCH_TEXT = "抱歉，暂时没有找到相关答复。请换一种说法，简要描述您要办理或咨询的事项。"
EMPTY_TEXT = "请简要描述您要咨询或办理的事项，例如“社保卡丢了怎么补办”。"
CLARIFY_TEXT = "请问您想咨询的是以下哪一项？请回复序号："
_ORDINALS = {"一": 1, "二": 2, "三": 3, "1": 1, "2": 2, "3": 3}
_CHOICE = re.compile(r"^\s*(?:第)?([一二三123])(?:个|项|条)?\s*[。.！!]?\s*$")


class ReplyKind(StrEnum):
    """What the bot did this turn."""

    ANSWER = "answer"
    CLARIFY = "clarify"
    HANDOVER = "handover"
    EMERGENCY = "emergency"


@dataclass(frozen=True, slots=True)
class BotState:
    """Conversation state the caller keeps between turns (e.g. in the session row)."""

    failed_turns: int = 0
    pending_options: tuple[EntryId, ...] = ()
    transcript: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class BotPolicy:
    """Confidence thresholds; the fused search score is in [0, 1]."""

    answer_score: float = 0.6
    answer_margin: float = 0.1
    option_score: float = 0.25
    max_failed_turns: int = 2
    max_options: int = 3


@dataclass(frozen=True, slots=True)
class BotReply:
    """The reply to show, and flags the caller acts on (create a request on handover or emergency)."""

    kind: ReplyKind
    text: str
    state: BotState
    entry_id: EntryId | None = None
    options: tuple[tuple[EntryId, str], ...] = ()
    emergency: bool = False
    handover: bool = False
    hits: tuple[Hit, ...] = field(default=(), repr=False)


EmergencyDetector = Callable[[str], object]


def is_emergency(detector: EmergencyDetector | None, text: str) -> bool:
    """Ask the injected detector (bool or object with .emergency); fall back to a keyword list if it fails."""
    if detector is not None:
        try:
            verdict = detector(text)
        except Exception:  # noqa: BLE001 - a broken detector must not silence an emergency
            verdict = None
        else:
            flag = getattr(verdict, "emergency", getattr(verdict, "is_emergency", verdict))
            if isinstance(flag, bool | np.bool_):
                return bool(flag)
    return bool(FALLBACK_EMERGENCY.search(text))


def _wants_human(text: str) -> bool:
    """Whether the caller asks for a person."""
    return any(p in text for p in HANDOVER_PHRASES) or bool(re.search(r"\b(human|agent|operator)\b", text))


def respond(
    *,
    state: BotState,
    message: object,
    index: KnowledgeIndex,
    detector: EmergencyDetector | None,
    surge: bool = False,
    at: datetime | None = None,
    region: str | None = None,
    policy: BotPolicy | None = None,
) -> BotReply:
    """One turn of the bot; pure apart from reading the index, never raises on odd input."""
    pol = policy or BotPolicy()
    text = normalize(message)[:MAX_MESSAGE_CHARS].strip()
    transcript = (*state.transcript, ("user", text))[-MAX_TRANSCRIPT:]

    def reply(kind: ReplyKind, body: str, **kw: object) -> BotReply:
        # Surge guidance goes on every non-emergency reply; an emergency reply stays short and unambiguous.
        if surge and kind is not ReplyKind.EMERGENCY:
            body = f"{body}\n{SURGE_TEXT}"
        failed = kw.pop("failed", state.failed_turns)
        options = kw.get("options", ())
        new_state = BotState(
            failed_turns=int(failed),  # type: ignore[call-overload]
            pending_options=tuple(o[0] for o in options),  # type: ignore[attr-defined]
            transcript=(*transcript, ("bot", body))[-MAX_TRANSCRIPT:],
        )
        return BotReply(kind=kind, text=body, state=new_state, **kw)  # type: ignore[arg-type]

    if text and is_emergency(detector, text):
        return reply(ReplyKind.EMERGENCY, EMERGENCY_TEXT, emergency=True, failed=0)
    if _wants_human(text):
        return reply(ReplyKind.HANDOVER, HANDOVER_TEXT, handover=True, failed=0)
    if not text:
        return reply(ReplyKind.CLARIFY, EMPTY_TEXT)

    chosen = _chosen_option(text, state, index)
    if chosen is not None:
        doc = index.get(chosen)
        # Re-check: the entry may have expired or been retired since the options were offered.
        if doc is not None and index.servable(chosen, at=at, region=region):
            return reply(ReplyKind.ANSWER, doc.answer, entry_id=chosen, failed=0)

    hits = index.search(text, k=max(pol.max_options, 2), at=at, region=region)
    top = hits[0] if hits else None
    second = hits[1].score if len(hits) > 1 else 0.0
    if top is not None and top.score >= pol.answer_score and top.score - second >= pol.answer_margin:
        doc = index.get(top.entry_id)
        if doc is not None:
            return reply(ReplyKind.ANSWER, doc.answer, entry_id=top.entry_id, failed=0, hits=tuple(hits))

    failed = state.failed_turns + 1
    if failed >= pol.max_failed_turns:
        return reply(ReplyKind.HANDOVER, HANDOVER_TEXT, handover=True, failed=0, hits=tuple(hits))
    options = tuple((h.entry_id, _question(index, h)) for h in hits if h.score >= pol.option_score)
    if not options:
        return reply(ReplyKind.CLARIFY, NO_MATCH_TEXT, failed=failed, hits=tuple(hits))
    lines = "\n".join(f"{i}. {q}" for i, (_, q) in enumerate(options, 1))
    return reply(
        ReplyKind.CLARIFY, f"{CLARIFY_TEXT}\n{lines}", options=options, failed=failed, hits=tuple(hits)
    )


def _question(index: KnowledgeIndex, hit: Hit) -> str:
    """The canonical question of a hit, for offering it as an option."""
    doc = index.get(hit.entry_id)
    return doc.question if doc is not None else hit.matched


def _chosen_option(text: str, state: BotState, index: KnowledgeIndex) -> EntryId | None:
    """The pending option the caller picked, by number ("2", "第二个") or by repeating its question."""
    if not state.pending_options:
        return None
    m = _CHOICE.match(text)
    if m:
        n = _ORDINALS[m.group(1)]
        return state.pending_options[n - 1] if n <= len(state.pending_options) else None
    for entry_id in state.pending_options:
        doc = index.get(entry_id)
        if doc is not None and normalize(doc.question).strip() == text:
            return entry_id
    return None
