"""Transfers, negotiations, links between work orders and incidents, co-handlers, emergency activations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liandong.core.timeutil import utcnow
from liandong.database import Base
from liandong.linkage.enums import (
    ActivationStatus,
    ConsultationStatus,
    NegotiationStatus,
    NotificationStatus,
    TransferStatus,
)


class Transfer(Base):
    """转办: a request handed from one platform to another, answered by 受理反馈."""

    __tablename__ = "transfers"
    __table_args__ = (Index("ix_transfers_pending", "status", "respond_by"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_uid: Mapped[str] = mapped_column(String(64), unique=True)  # shared across nodes
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    from_platform: Mapped[str] = mapped_column(String(12))
    to_platform: Mapped[str] = mapped_column(String(12), index=True)
    mode: Mapped[str] = mapped_column(String(8))
    emergency: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(String(2000))
    call_context: Mapped[str | None] = mapped_column(Text)
    triage: Mapped[dict[str, Any] | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default=TransferStatus.PENDING.value)
    respond_by: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    response_reason: Mapped[str | None] = mapped_column(String(2000))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    completion_opinion: Mapped[str | None] = mapped_column(Text)  # 办结反馈 received back
    completed_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(160))
    responded_by: Mapped[str | None] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Negotiation(Base):
    """三方通话: caller, 12345 and 110 agree who takes a request; by the deadline the first receiver takes it."""

    __tablename__ = "negotiations"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"))
    status: Mapped[str] = mapped_column(String(12), default=NegotiationStatus.OPEN.value)
    reason: Mapped[str] = mapped_column(String(2000))
    first_receiver: Mapped[str] = mapped_column(String(8))
    deadline: Mapped[datetime] = mapped_column(index=True)
    emergency: Mapped[bool] = mapped_column(default=False)
    predispatch_incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    outcome_platform: Mapped[str | None] = mapped_column(String(12))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    created_by: Mapped[str] = mapped_column(String(160))
    decided_by: Mapped[str | None] = mapped_column(String(160))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NegotiationNote(Base):
    __tablename__ = "negotiation_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    negotiation_id: Mapped[int] = mapped_column(ForeignKey("negotiations.id", ondelete="CASCADE"), index=True)
    party: Mapped[str] = mapped_column(String(12))  # caller | 12345 | 110
    author: Mapped[str] = mapped_column(String(160))
    text: Mapped[str] = mapped_column(String(4000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrderIncidentLink(Base):
    """A 工单 and a 警单 about the same matter; each side sees the other's status."""

    __tablename__ = "order_incident_links"
    __table_args__ = (UniqueConstraint("work_order_id", "incident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(2000))
    created_by: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CoHandler(Base):
    """联合调处: a co-handling unit of a work order (the order's handling unit leads)."""

    __tablename__ = "co_handlers"
    __table_args__ = (UniqueConstraint("work_order_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    opinion: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EmergencyActivation(Base):
    """A 预案 activated for an emergency event."""

    __tablename__ = "emergency_activations"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    adcode: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(8), default=ActivationStatus.ACTIVE.value)
    surge_mode: Mapped[bool] = mapped_column(default=False)
    remote_seats_requested: Mapped[int] = mapped_column(default=0)
    activated_by: Mapped[str] = mapped_column(String(160))
    activated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class HotlineNotification(Base):
    """A message to an emergency or utility hotline under an activated plan, delivered by the worker."""

    __tablename__ = "hotline_notifications"
    __table_args__ = (UniqueConstraint("activation_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activation_id: Mapped[int] = mapped_column(ForeignKey("emergency_activations.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=NotificationStatus.PENDING.value)
    delivered_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]


class ConsultationItem(Base):
    """会商: a disputed topic (requests bounced between the platforms) and the meeting's decision."""

    __tablename__ = "consultation_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(120), index=True)
    status: Mapped[str] = mapped_column(String(12), default=ConsultationStatus.OPEN.value)
    request_ids: Mapped[list[Any]] = mapped_column(default=list)
    dispute_count: Mapped[int] = mapped_column(default=0)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    responsible_platform: Mapped[str | None] = mapped_column(String(12))
    responsible_unit_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    handling_norm: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    rules_version_id: Mapped[int | None] = mapped_column(ForeignKey("triage_rule_versions.id"))
    decided_by: Mapped[str | None] = mapped_column(String(160))
    decided_at: Mapped[datetime | None]
