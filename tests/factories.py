"""Test data factories built on the domain services, so every record comes with its events."""

from __future__ import annotations

import itertools
from typing import Any

import factory
from sqlalchemy.orm import Session

from liandong.intake import service as requests
from liandong.intake.enums import Channel
from liandong.intake.models import ServiceRequest
from liandong.intake.schemas import RequestCreate
from liandong.reference import service as reference
from liandong.reference.enums import OrgKind
from liandong.reference.models import Organisation
from liandong.reference.schemas import OrganisationCreate
from liandong.workorder import flows as wo_flows
from liandong.workorder.enums import RequestType
from liandong.workorder.models import WorkOrder
from liandong.workorder.schemas import WorkOrderCreate

_seq = itertools.count(1)


class RequestCreateFactory(factory.Factory):
    class Meta:
        model = RequestCreate

    channel = Channel.PHONE
    content = factory.Iterator(
        [
            "岳麓区麓谷街道某小区楼下餐馆油烟扰民, 晚上十点后仍在营业",
            "咨询社保卡丢失后如何补办, 需要带什么材料",
            "芙蓉区五一大道路灯不亮已经一周",
        ]
    )
    caller_phone = factory.Sequence(lambda n: f"1380013{n % 10000:04d}")
    caller_name = "张三"
    location_text = "湖南省长沙市岳麓区麓谷街道"
    adcode = "430104"


class OrganisationCreateFactory(factory.Factory):
    class Meta:
        model = OrganisationCreate

    code = factory.Sequence(lambda n: f"ORG-{n:05d}")
    name = factory.Sequence(lambda n: f"测试承办单位{n}")
    kind = OrgKind.DEPARTMENT
    regions = factory.LazyFunction(lambda: ["430104"])
    categories = factory.LazyFunction(lambda: ["城乡建设"])


def make_request(session: Session, **overrides: Any) -> ServiceRequest:
    req = requests.create(session=session, data=RequestCreateFactory(**overrides), actor="test")
    session.commit()
    return req


def make_unit(session: Session, **overrides: Any) -> Organisation:
    org = reference.create_organisation(session=session, data=OrganisationCreateFactory(**overrides))
    session.commit()
    return org


def make_work_order(session: Session, *, unit: Organisation | None = None, **overrides: Any) -> WorkOrder:
    req = make_request(session)
    data = WorkOrderCreate(
        request_id=req.id,
        request_type=overrides.pop("request_type", RequestType.COMPLAINT),
        category=overrides.pop("category", "城乡建设"),
        handling_unit_id=unit.id if unit else None,
        **overrides,
    )
    return wo_flows.register(session=session, data=data, actor="test")
