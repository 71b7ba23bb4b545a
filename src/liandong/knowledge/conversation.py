"""Surge-bot use case: one citizen message -> one reply; handover and emergency create a request."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liandong.core.errors import Conflict, NotFound
from liandong.events import service as events
from liandong.intake import service as requests
from liandong.intake.enums import Channel
from liandong.intake.schemas import MAX_CONTENT_CHARS, RequestCreate
from liandong.knowledge import runtime
from liandong.knowledge.bot import BotReply, BotState, respond
from liandong.knowledge.enums import ConversationStatus
from liandong.knowledge.models import BotConversation
from liandong.knowledge.schemas import BotMessage, BotOption, BotReplyRead
from liandong.linkage.emergency import surge_active
from liandong.triage import store

ENTITY = "bot_conversation"
MAX_TURNS = 100  # past this a person should take over; the citizen may start a new conversation
SPEAKERS = {"user": "市民", "bot": "智能客服"}


def _conversation(session: Session, body: BotMessage) -> BotConversation:
    if body.conversation_id is None:
        conv = BotConversation(token=secrets.token_urlsafe(24), channel=body.channel.value, transcript=[])
        session.add(conv)
        return conv
    found = session.scalar(select(BotConversation).where(BotConversation.token == body.conversation_id))
    if found is None:
        raise NotFound("conversation", body.conversation_id)
    conv = found
    if conv.status != ConversationStatus.OPEN:
        raise Conflict("this conversation was handed over; start a new one", details={"status": conv.status})
    if conv.turns >= MAX_TURNS:
        raise Conflict("this conversation is too long; start a new one or ask for a person")
    return conv


def _state(conv: BotConversation) -> BotState:
    return BotState(
        failed_turns=conv.failed_turns,
        pending_options=tuple(int(o) for o in conv.pending_options or ()),
        transcript=tuple((str(a), str(b)) for a, b in conv.transcript or ()),
    )


def _raise_request(session: Session, conv: BotConversation, reply: BotReply, message: str) -> str | None:
    """The request a person handles: the whole conversation as content, the triage of the citizen's words."""
    lines = [f"{SPEAKERS.get(who, who)}: {text}" for who, text in reply.state.transcript]
    content = "\n".join(lines)[-MAX_CONTENT_CHARS:]
    citizen = "\n".join(text for who, text in reply.state.transcript if who == "user")
    decision: dict[str, Any] = store.decide(session=session, text=message if reply.emergency else citizen
                                            ).model_dump(mode="json")  # fmt: skip
    if reply.emergency and not decision.get("emergency"):
        # The bot's own keyword fallback fired: the request must still reach the desk as an emergency.
        decision["emergency"] = True
        decision.setdefault("reasons", []).append(
            {"rule": "surge_bot_emergency", "words": [], "detail": "the surge bot detected an emergency"}
        )
        if decision.get("platform") in ("12345", "utility", "out_of_scope"):
            decision["platform"] = "110"
    data = RequestCreate(channel=Channel(conv.channel), content=content, title="智能客服转人工"
                         if not reply.emergency else "智能客服紧急求助")  # fmt: skip
    req = requests.create(session=session, data=data, actor=f"bot:{conv.channel}", triage=decision)
    conv.request_id = req.id
    return req.number


def handle(*, session: Session, body: BotMessage) -> BotReplyRead:
    """Answer, clarify, hand over or refer an emergency; the conversation and any request commit together."""
    conv = _conversation(session, body)
    surge = surge_active(session=session)
    reply = respond(
        state=_state(conv),
        message=body.text,
        index=runtime.entry_index(session),
        detector=lambda text: store.decide(session=session, text=text),
        surge=surge,
    )
    conv.failed_turns = reply.state.failed_turns
    conv.pending_options = list(reply.state.pending_options)
    conv.transcript = [list(t) for t in reply.state.transcript]
    conv.turns += 1
    session.flush()
    number = None
    if reply.emergency or reply.handover:
        number = _raise_request(session, conv, reply, body.text)
        before = {"status": conv.status}
        conv.status = (
            ConversationStatus.EMERGENCY if reply.emergency else ConversationStatus.HANDED_OVER
        ).value
        session.flush()
        events.record(
            session=session, entity_type=ENTITY, entity_id=conv.id, action=reply.kind.value, actor="bot",
            before=before, after={"status": conv.status, "request_id": conv.request_id},
            from_state=before["status"], to_state=conv.status,
        )  # fmt: skip
    session.commit()
    return BotReplyRead(
        conversation_id=conv.token,
        kind=reply.kind.value,
        text=reply.text,
        entry_id=int(reply.entry_id) if reply.entry_id is not None else None,
        options=[BotOption(number=i, question=q) for i, (_, q) in enumerate(reply.options, 1)],
        request_number=number,
        surge=surge,
        status=conv.status,
    )
