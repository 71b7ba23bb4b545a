"""Hand-made orders, incidents and calls with exact timestamps for the analytics database tests."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.core.helpers import counts as core_counts

from liandong.analytics.models import HarassmentFlag, HotlineCallStat, KpiDaily
from liandong.events.models import Event
from liandong.incident.models import PoliceIncident
from liandong.intake.models import ServiceRequest
from liandong.outbox.models import OutboxJob
from liandong.security import pii
from liandong.workorder.models import WorkOrder

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 10)
_seq = itertools.count(1)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A local (Asia/Shanghai) wall-clock time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


def request(
    session: Session, *, when: datetime, phone: str | None = "13800138000", **kw: Any
) -> ServiceRequest:
    n = next(_seq)
    req = ServiceRequest(
        number=f"SQT{n:08d}",
        channel=kw.pop("channel", "phone"),
        received_by=kw.pop("received_by", "12345"),
        received_at=when,
        status="registered",
        content=kw.pop("content", "小区楼下餐馆油烟扰民"),
        caller_name_enc=pii.encrypt("张三"),
        caller_name_masked="张*",
        caller_phone_enc=pii.encrypt(phone) if phone else None,
        caller_phone_hash=pii.match_hash(phone) if phone else None,
        caller_phone_masked=pii.mask_phone(phone),
        location_text=kw.pop("location_text", "湖南省长沙市岳麓区麓谷街道枫林三路18号3栋2单元501"),
        adcode=kw.pop("adcode", "430104"),
        **kw,
    )
    session.add(req)
    session.flush()
    return req


def order(session: Session, *, when: datetime, unit_id: int | None = None, **kw: Any) -> WorkOrder:
    """A work order accepted at `when`; other timestamps and fields as given."""
    req = request(
        session, when=when, phone=kw.pop("phone", "13800138000"), location_text=kw.pop("address", "某地址")
    )
    n = next(_seq)
    wo = WorkOrder(
        number=f"GDT{n:08d}",
        request_id=req.id,
        request_type="complaint",
        category=kw.pop("category", "城乡建设"),
        urgency="normal",
        status=kw.pop("status", "accepted"),
        handling_unit_id=unit_id,
        adcode=kw.pop("adcode", "430104"),
        summary=kw.pop("summary", "油烟扰民，联系电话13912345678"),
        accepted_at=when,
        due_at=kw.pop("due_at", when + timedelta(days=5)),
        created_by="test",
        **kw,
    )
    session.add(wo)
    session.flush()
    return wo


def incident(session: Session, *, when: datetime, **kw: Any) -> PoliceIncident:
    n = next(_seq)
    phone = kw.pop("phone", "13700137000")
    inc = PoliceIncident(
        number=f"JJT{n:08d}",
        category_code=kw.pop("category_code", "08"),
        priority=kw.pop("priority", 3),
        status=kw.pop("status", "received"),
        reported_at=when,
        caller_phone_enc=pii.encrypt(phone) if phone else None,
        caller_phone_hash=pii.match_hash(phone) if phone else None,
        caller_phone_masked=pii.mask_phone(phone),
        address=kw.pop("address", "湖南省长沙市岳麓区某小区5栋"),
        content=kw.pop("content", "邻里纠纷"),
        adcode=kw.pop("adcode", "430104"),
        created_by="test",
        **kw,
    )
    session.add(inc)
    session.flush()
    return inc


def event(session: Session, *, entity_type: str, entity_id: int, action: str, when: datetime) -> None:
    session.add(
        Event(entity_type=entity_type, entity_id=entity_id, action=action, actor="test", occurred_at=when)
    )
    session.flush()


def call_stat(session: Session, *, number: str, hour: datetime, offered: int, answered: int, fast: int = 0,
              platform: str = "12345") -> None:  # fmt: skip
    session.add(
        HotlineCallStat(
            number=number, platform=platform, hour_start=hour, offered=offered, answered=answered,
            answered_15s=fast,
        )
    )  # fmt: skip
    session.flush()


def counts(session: Session) -> dict[str, int]:
    """Core tables plus the analytics tables, for 'nothing was written' checks."""
    out = core_counts(session)
    for model in (KpiDaily, HotlineCallStat, HarassmentFlag, OutboxJob):
        out[model.__tablename__] = session.scalar(select(func.count()).select_from(model)) or 0
    return out
