"""Sender side: write a message to the exchange outbox in the transaction of the change it reports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from liandong.core.timeutil import utcnow
from liandong.exchange import routing
from liandong.exchange.models import ExchangeMessage, ExchangeOrder
from liandong.intake.models import ServiceRequest
from liandong.linkage.models import Transfer

DELIVER_TOPIC = "exchange.deliver"
# Committing a message wakes the relays of this database (PostgreSQL LISTEN/NOTIFY); they also poll now and then, so
# a lost wake-up only delays a message. The worker's periodic sweep is the fallback when no relay runs at all.
WAKE_CHANNEL = "liandong_exchange"


def lock_order(*, session: Session, order_key: str, peer: str) -> ExchangeOrder:
    """The order's sequence row, locked for this transaction (created on first use)."""
    stmt = select(ExchangeOrder).where(ExchangeOrder.order_key == order_key)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    if row is None:
        row = ExchangeOrder(order_key=order_key, peer=peer, out_seq=0, in_seq=0, updated_at=utcnow())
        session.add(row)
        session.flush()
    return row


def wake_relays(session: Session) -> None:
    """Wake the relays when this transaction commits (PostgreSQL; one signal per transaction however many)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {WAKE_CHANNEL}"))


def emit(
    *,
    session: Session,
    order_key: str,
    peer: str,
    type_: str,
    payload: dict[str, Any],
    new_order: bool = False,
) -> ExchangeMessage:
    """Queue one message with the next gapless sequence number of its order; the relay delivers it.

    `new_order`: the caller has just created the order (a fresh transfer uid), so there is no row to lock yet.
    """
    now = utcnow()
    if new_order:
        order = ExchangeOrder(order_key=order_key, peer=peer, out_seq=0, in_seq=0, updated_at=now)
        session.add(order)
    else:
        order = lock_order(session=session, order_key=order_key, peer=peer)
    order.out_seq += 1
    order.updated_at = now
    msg = ExchangeMessage(
        message_id=uuid.uuid4().hex,
        peer=peer,
        type=type_,
        order_key=order_key,
        seq=order.out_seq,
        payload=payload,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(msg)
    session.flush()
    wake_relays(session)
    return msg


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def transfer_created(*, session: Session, transfer: Transfer, req: ServiceRequest) -> bool:
    """A transfer to a platform a peer runs becomes a `transfer` message; True when it went to a peer."""
    peer = routing.peer_for_platform(transfer.to_platform)
    if peer is None:
        return False
    from liandong.security import pii

    phone = pii.decrypt(req.caller_phone_enc) if req.caller_phone_enc else None
    name = pii.decrypt(req.caller_name_enc) if req.caller_name_enc else None
    payload = {
        "transfer_id": transfer.transfer_uid,
        "from_platform": transfer.from_platform,
        "to_platform": transfer.to_platform,
        "emergency": transfer.emergency,
        "reason": transfer.reason,
        "request": {
            "number": req.number or str(req.id),
            "channel": req.channel,
            "received_at": _iso(req.received_at),
            "received_by": "110" if req.received_by in ("110", "122") else "12345",
            "content": req.content,
            "caller_phone": phone,
            "caller_name": name,
            "location_text": req.location_text,
            "adcode": req.adcode,
        },
        "call_context": transfer.call_context,
        "triage": transfer.triage,
        "respond_by": _iso(transfer.respond_by),
    }
    emit(session=session, order_key=transfer.transfer_uid, peer=peer.node_id, type_="transfer", payload=payload,
         new_order=True)  # fmt: skip
    return True


def _inbound_peer(transfer: Transfer) -> str | None:
    """The peer that sent us this transfer (we are its receiver), if any."""
    peer = routing.peer_for_platform(transfer.from_platform)
    if peer is None or routing.peer_for_platform(transfer.to_platform) is not None:
        return None
    return peer.node_id


def transfer_answered(*, session: Session, transfer: Transfer, receiver_number: str | None) -> None:
    """受理反馈 back to the sending node when we accepted, refused or let a received transfer expire."""
    peer = _inbound_peer(transfer)
    if peer is None:
        return
    payload = {
        "transfer_id": transfer.transfer_uid,
        "accepted": transfer.status == "accepted",
        "reason": transfer.response_reason,
        "receiver_number": receiver_number,
        "responded_at": _iso(transfer.responded_at or utcnow()),
    }
    emit(
        session=session,
        order_key=transfer.transfer_uid,
        peer=peer,
        type_="acceptance-feedback",
        payload=payload,
    )


def completed(
    *, session: Session, transfer: Transfer, number: str, unit: str, opinion: str, at: datetime
) -> None:
    """办结反馈 back to the sending node."""
    peer = _inbound_peer(transfer)
    if peer is None:
        return
    payload = {
        "FLOWID": number,
        "HANDLEBMNAME": unit[:120],
        "HANDLEOPINION": opinion[:8000] or "-",
        "HANDLETIME": _iso(at),
    }
    emit(
        session=session,
        order_key=transfer.transfer_uid,
        peer=peer,
        type_="completion-feedback",
        payload=payload,
    )


def record_changed(
    *,
    session: Session,
    transfers: list[Transfer],
    number: str,
    action: str,
    status: str,
    note: str | None,
    satisfaction: int | None = None,
    at: datetime | None = None,
) -> None:
    """Status update, 回访 or 督办 of a 工单/警单 created from a received transfer, to the sending node."""
    at = at or utcnow()
    for transfer in transfers:
        peer = _inbound_peer(transfer)
        if peer is None:
            continue
        key = transfer.transfer_uid
        if action == "visit" and satisfaction is not None:
            payload: dict[str, Any] = {
                "FLOWID": number,
                "HFSJ": _iso(at),
                "satisfaction": satisfaction,
                "note": note,
            }
            emit(session=session, order_key=key, peer=peer, type_="visit", payload=payload)
        elif action == "supervise":
            payload = {"transfer_id": key, "number": number, "at": _iso(at), "note": note}
            emit(session=session, order_key=key, peer=peer, type_="supervision", payload=payload)
        else:
            payload = {"transfer_id": key, "number": number, "action": action[:32], "status": status[:24],
                       "at": _iso(at), "note": note[:2000] if note else None}  # fmt: skip
            emit(session=session, order_key=key, peer=peer, type_="status-update", payload=payload)
