"""Demo logins, one per role, for `make run` (development only: the passwords are public)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from liandong.reference import service as reference
from liandong.security import service as security
from liandong.security.models import User
from liandong.security.schemas import UserCreate

DEMO_PASSWORD = "liandong-demo"
DEMO_USERS = [
    ("seat12345", "12345 坐席 王芳", "seat_12345", "CS-12345"),
    ("seat110", "110 接警员 李强", "seat_110", "CS-110"),
    ("unit.zjj", "市住建局 承办人 赵敏", "unit_staff", "CS-ZJJ"),
    ("unit.yuelu", "岳麓区政府 承办人 陈静", "unit_staff", "CS-GOV-430104"),
    ("supervisor", "值班长 刘洋", "supervisor", "CS-12345"),
    ("admin", "系统管理员", "admin", None),
    ("auditor", "审计员", "auditor", None),
    ("opendata", "开放数据用户", "data_consumer", None),
]


def seed(*, session: Session) -> int:
    added = 0
    for username, name, role, org_code in DEMO_USERS:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            continue
        org = reference.get_organisation_by_code(session=session, code=org_code) if org_code else None
        data = UserCreate(username=username, display_name=name, password=DEMO_PASSWORD, role=role,
                          organisation_id=org.id if org else None)  # fmt: skip
        security.create_user(session=session, data=data)
        added += 1
    session.flush()
    return added
