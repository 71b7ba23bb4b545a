"""Apply a verified message from a peer node to the local records (one message type per function)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from liandong.core.errors import Conflict, InvalidInput
from liandong.core.timeutil import as_utc, utcnow
from liandong.events import service as events
from liandong.exchange.models import ExchangeOrder, InboxMessage
from liandong.intake import service as requests
from liandong.intake.enums import Channel
from liandong.intake.schemas import RequestCreate
from liandong.linkage.enums import TransferMode, TransferStatus
from liandong.linkage.lifecycle import TRANSFER_LIFECYCLE
from liandong.linkage.models import Transfer

ACTOR = "exchange:"


def _dt(value: Any) -> datetime:
    return as_utc(datetime.fromisoformat(str(value)))


def _transfer(session: Session, order_key: str) -> Transfer | None:
    return session.scalar(select(Transfer).where(Transfer.transfer_uid == order_key))


def _note(session: Session, transfer: Transfer | None, action: str, actor: str, note: str | None) -> None:
    if transfer is None:
        return
    events.record(
        session=session, entity_type="transfer", entity_id=transfer.id, action=action, actor=actor,
        before={}, after={}, note=(note or "")[:2000] or None,
    )  # fmt: skip


def _request_data(payload: dict[str, Any]) -> RequestCreate:
    """The local request a received transfer becomes; InvalidInput when this node's rules refuse its content."""
    body = payload["request"]
    channel = body["channel"] if body["channel"] in {c.value for c in Channel} else Channel.PHONE.value
    try:
        return RequestCreate(
            channel=channel,
            content=body["content"],
            caller_name=body.get("caller_name"),
            caller_phone=body.get("caller_phone"),
            location_text=body.get("location_text"),
            adcode=body.get("adcode"),
            received_by=body["received_by"],
            received_at=_dt(body["received_at"]),
            title=f"转办自 {payload['from_platform']} {body['number']}"[:200],
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(["payload", "request", *(str(p) for p in first["loc"])])
        raise InvalidInput(field, first["msg"]) from exc


def check(*, type_: str, payload: dict[str, Any]) -> None:
    """Refuse at receipt what could not be applied later (a buffered message must never block its order)."""
    if type_ == "transfer":
        _request_data(payload)


def apply(*, session: Session, message: InboxMessage, order: ExchangeOrder) -> None:
    """Dispatch on the message type; the caller marks the inbox row applied in the same transaction."""
    payload: dict[str, Any] = message.envelope["payload"]
    actor = f"{ACTOR}{message.sender}"
    if message.type == "transfer":
        _apply_transfer(session, message.order_key, payload, actor)
        order.remote_status = "transferred"
        order.remote_number = str(payload["request"]["number"])[:40]
        return
    transfer = _transfer(session, message.order_key)
    if message.type == "acceptance-feedback":
        _apply_answer(session, transfer, payload, actor)
        order.remote_status = "accepted" if payload["accepted"] else "refused"
        order.remote_number = payload.get("receiver_number") or order.remote_number
    elif message.type == "status-update":
        order.remote_status = str(payload["status"])
        order.remote_number = str(payload["number"])
        _note(session, transfer, "remote_status", actor, f"{payload['action']} -> {payload['status']}")
    elif message.type == "completion-feedback":
        if transfer is not None:
            before = events.snapshot(transfer, ("completion_opinion", "completed_at"))
            transfer.completion_opinion = str(payload["HANDLEOPINION"])
            transfer.completed_at = _dt(payload["HANDLETIME"])
            session.flush()
            events.record(
                session=session, entity_type="transfer", entity_id=transfer.id, action="completion_feedback",
                actor=actor, before=before, after=events.snapshot(transfer, ("completion_opinion", "completed_at")),
                note=transfer.completion_opinion[:2000],
            )  # fmt: skip
        order.remote_status = "completed"
    elif message.type == "visit":
        _note(session, transfer, "remote_visit", actor, f"满意度 {payload['satisfaction']}")
    elif message.type == "supervision":
        _note(session, transfer, "remote_supervision", actor, payload.get("note") or "督办")


def _apply_transfer(session: Session, order_key: str, payload: dict[str, Any], actor: str) -> None:
    """A transfer from the peer: the local request (received by the sender's platform) and a pending transfer."""
    if _transfer(session, order_key) is not None:
        raise Conflict(f"transfer {order_key} already exists on this node")
    req = requests.create(session=session, data=_request_data(payload), actor=actor)
    req.triage = payload.get("triage")
    requests.transition(session=session, req=req, action="transfer", actor=actor, note=payload["reason"])
    now = utcnow()
    respond_by = _dt(payload["respond_by"]) if payload.get("respond_by") else now + timedelta(hours=4)
    transfer = Transfer(
        transfer_uid=order_key,
        request_id=req.id,
        from_platform=payload["from_platform"],
        to_platform=payload["to_platform"],
        mode=TransferMode.ONLINE.value,
        emergency=bool(payload.get("emergency")),
        reason=payload["reason"],
        call_context=payload.get("call_context"),
        triage=payload.get("triage"),
        status=TransferStatus.PENDING.value,
        respond_by=respond_by,
        created_by=actor,
        created_at=now,
    )
    session.add(transfer)
    session.flush()
    events.record(
        session=session, entity_type="transfer", entity_id=transfer.id, action="transfer_received", actor=actor,
        before={}, after={"status": transfer.status}, to_state=transfer.status, note=payload["reason"],
    )  # fmt: skip
    from liandong.linkage import transfers
    from liandong.linkage.schemas import TransferAccept

    if transfer.emergency and transfer.to_platform in transfers.POLICE_PLATFORMS:
        # Policy 二(二)1: the police node dispatches at once in an emergency; its 受理反馈 goes back automatically.
        transfers.accept(
            session=session,
            transfer=transfer,
            data=TransferAccept(note="紧急警情, 先行处置"),
            actor="system:emergency",
        )


def _apply_answer(session: Session, transfer: Transfer | None, payload: dict[str, Any], actor: str) -> None:
    """受理反馈 from the receiving node onto our (sender's) transfer and request."""
    if transfer is None:
        return
    action = "accept" if payload["accepted"] else "refuse"
    if transfer.status != TransferStatus.PENDING.value:
        # Cancelled here meanwhile: keep the answer in the history rather than lose or refuse it.
        _note(session, transfer, f"remote_{action}", actor, payload.get("reason"))
        return
    target = TRANSFER_LIFECYCLE.next_state(transfer.status, action)
    before = events.snapshot(transfer, ("status", "responded_at", "response_reason"))
    req = requests.require(session=session, request_id=transfer.request_id)
    if payload["accepted"]:
        requests.transition(session=session, req=req, action="register", actor=actor, note="对方平台受理")
    else:
        requests.transition(
            session=session, req=req, action="transfer_returned", actor=actor, note=payload.get("reason")
        )
    transfer.status = target
    transfer.responded_at = _dt(payload["responded_at"])
    transfer.responded_by = actor
    number = payload.get("receiver_number")
    transfer.response_reason = payload.get("reason") or (f"对方编号 {number}" if number else None)
    session.flush()
    events.record(
        session=session, entity_type="transfer", entity_id=transfer.id, action=action, actor=actor,
        before=before, after=events.snapshot(transfer, ("status", "responded_at", "response_reason")),
        from_state=str(before["status"]), to_state=target, note=transfer.response_reason,
    )  # fmt: skip
