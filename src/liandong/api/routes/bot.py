"""The surge bot (智能客服): a public chat endpoint for web, app and WeChat-style clients."""

from __future__ import annotations

from fastapi import Request

from liandong.api.auth import client_ip
from liandong.api.deps import SessionDep
from liandong.api.routing import Router
from liandong.knowledge import conversation
from liandong.knowledge.schemas import BotMessage, BotReplyRead
from liandong.security import audit
from liandong.security.ratelimit import SlidingWindow

router = Router(prefix="/api/v1/bot", tags=["surge bot 智能客服"])

PER_IP_PER_MINUTE = 60
PER_CONVERSATION_PER_MINUTE = 20


def _limits(request: Request) -> tuple[SlidingWindow, SlidingWindow]:
    """This app's bot limiters (created on first use, so each app instance counts on its own)."""
    state = request.app.state
    if not hasattr(state, "bot_limits"):
        state.bot_limits = (
            SlidingWindow(limit=PER_IP_PER_MINUTE, window_seconds=60),
            SlidingWindow(limit=PER_CONVERSATION_PER_MINUTE, window_seconds=60),
        )
    return state.bot_limits


@router.post("/messages", response_model=BotReplyRead)
def message(body: BotMessage, session: SessionDep, request: Request) -> BotReplyRead:
    """Public (no login): answers from published entries, clarifies, hands over, or refers emergencies to
    110/119/120 and raises an emergency request. Rate-limited per client IP and per conversation."""
    per_ip, per_conversation = _limits(request)
    ip = client_ip(request) or "-"
    per_ip.hit(f"ip:{ip}")
    if body.conversation_id:
        per_conversation.hit(f"conversation:{body.conversation_id}")
    audit.bind(session, actor=f"bot:{body.channel.value}", source_ip=ip)
    return conversation.handle(session=session, body=body)
