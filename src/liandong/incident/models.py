"""Police incidents (警单)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liandong.core.timeutil import utcnow
from liandong.database import Base
from liandong.incident.enums import IncidentStatus


class PoliceIncident(Base):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status_reported", "status", "reported_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)  # JJDBH 接警单编号
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    external_number: Mapped[str | None] = mapped_column(
        String(40), unique=True
    )  # JJDBH from another 110 system
    category_code: Mapped[str] = mapped_column(String(12))  # JQLBDM
    priority: Mapped[int] = mapped_column(default=3)  # 1 highest .. 4
    jurisdiction_unit_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))  # GXDWDM
    confidential: Mapped[bool] = mapped_column(default=False)  # SFBM 是否保密
    status: Mapped[str] = mapped_column(String(16), default=IncidentStatus.RECEIVED.value)
    reported_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # BJSJ
    caller_phone_enc: Mapped[str | None] = mapped_column(Text)  # BJDH, encrypted
    caller_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    caller_phone_masked: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(500))  # BJDZ
    content: Mapped[str] = mapped_column(Text)  # BJNR
    adcode: Mapped[str | None] = mapped_column(String(12), index=True)  # XZQHDM
    dispatched_at: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    disposition: Mapped[str | None] = mapped_column(Text)  # 处警结果
    feedback: Mapped[str | None] = mapped_column(Text)  # 反馈内容
    last_reason: Mapped[str | None] = mapped_column(String(2000))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
