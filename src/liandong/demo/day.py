"""A realistic day at a 12345 centre and a 110 desk, replayed through the platform's flows.

The texts are written for the demo (no real callers' data); routes follow the policy's scope (二(一)).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy.orm import Session

from liandong.core.timeutil import utcnow
from liandong.incident import service as incidents
from liandong.incident.schemas import DispatchBody, FeedbackBody, IncidentCreate, NoteBody, ResolveBody
from liandong.intake import service as requests
from liandong.intake.enums import Channel
from liandong.intake.schemas import RequestCreate
from liandong.reference import service as reference
from liandong.triage import store
from liandong.workorder import schemas as wo
from liandong.workorder import service as workorders
from liandong.workorder.enums import RequestType, Urgency


@dataclass(frozen=True)
class Script:
    text: str
    route: str  # "12345", "110", "guide"
    category: str | None = None
    request_type: RequestType = RequestType.COMPLAINT
    district: str = "430104"
    incident_category: str = "02"


SCRIPTS = [
    Script("小区楼下烧烤店油烟很大, 每天晚上开到凌晨两点, 严重影响休息", "12345", "环境保护"),
    Script("我们小区旁边工地晚上十一点还在打桩施工, 噪音太大了", "12345", "环境保护", district="430102"),
    Script("请问社保卡丢了怎么补办, 要带哪些材料", "12345", "劳动和社会保障", RequestType.CONSULTATION),
    Script("公司拖欠我们三个月工资了, 老板一直不露面", "12345", "劳动和社会保障", RequestType.HELP, "430111"),
    Script(
        "孩子明年上小学, 想咨询学区划分和报名时间", "12345", "教育文体", RequestType.CONSULTATION, "430105"
    ),
    Script(
        "五一大道和芙蓉路交叉口的红绿灯坏了, 车辆乱成一团", "12345", "交通运输", RequestType.HELP, "430102"
    ),
    Script("建议在麓谷公园门口增设一个公交站, 上下班很不方便", "12345", "交通运输", RequestType.SUGGESTION),
    Script("我家楼道的路灯坏了一个月了, 物业一直不修", "12345", "城乡建设", RequestType.HELP, "430103"),
    Script("举报小区一楼住户违章搭建阳光房占用公共绿地", "12345", "城乡建设", RequestType.REPORT),
    Script("超市卖的牛奶过期了还在货架上, 要求处理", "12345", "商贸旅游", RequestType.REPORT, "430111"),
    Script("医院挂号系统太难用, 排了两个小时队", "12345", "卫生计生", RequestType.COMPLAINT, "430105"),
    Script("我们这片停水两天了也没有通知, 什么时候恢复供水", "12345", "城乡建设", RequestType.HELP, "430103"),
    Script("有人在小区门口打架, 已经有人流血了, 快来", "110", incident_category="02", district="430102"),
    Script("我的电动车刚刚在楼下被偷了, 锁被剪断了", "110", incident_category="01", district="430105"),
    Script("两台车在桐梓坡路追尾了, 有人受伤, 堵住了路", "110", incident_category="03"),
    Script("邻居两家因为漏水吵得很凶, 一方扬言要动刀", "110", incident_category="08", district="430111"),
    Script("接到电话说我涉嫌洗钱, 要我转账到安全账户", "110", incident_category="01", district="430103"),
    Script("咨询一下怎么办理出国护照, 需要预约吗", "guide", RequestType.CONSULTATION),
    Script("我想问一下明天天气怎么样", "guide", RequestType.CONSULTATION),
]


def _pick_unit(session: Session, district: str, category: str | None) -> int | None:
    units, _ = reference.list_organisations(session=session, category=category, adcode=district, limit=1)
    if not units:
        units, _ = reference.list_organisations(session=session, category=category, limit=1)
    return units[0].id if units else None


def _police_unit(session: Session, district: str) -> int | None:
    unit = reference.get_organisation_by_code(session=session, code=f"CS-PS-{district}")
    return unit.id if unit else None


def _work_order_path(session: Session, req_id: int, script: Script, rng: random.Random, at: datetime) -> None:
    req = requests.require(session=session, request_id=req_id)
    requests.transition(session=session, req=req, action="register", actor="demo-seat-12345")
    order = workorders.create(
        session=session,
        data=wo.WorkOrderCreate(
            request_id=req.id,
            request_type=script.request_type,
            category=script.category,
            urgency=Urgency.NORMAL,
        ),
        request=req,
        actor="demo-seat-12345",
    )
    if script.request_type is RequestType.CONSULTATION and rng.random() < 0.5:
        answer = wo.CompleteBody(opinion="坐席即问即答, 已告知办理流程")
        workorders.apply_action(
            session=session, order=order, action="complete", body=answer, actor="demo-seat"
        )
        return
    unit_id = _pick_unit(session, script.district, script.category)
    if unit_id is None:
        return
    steps: list[tuple[str, BaseModel]] = [("dispatch", wo.UnitBody(handling_unit_id=unit_id))]
    stage = rng.random()
    if stage > 0.2:
        steps += [("sign", wo.NoteBody()), ("start", wo.NoteBody())]
    if stage > 0.5:
        steps.append(("complete", wo.CompleteBody(opinion="已现场核实并处理, 已与诉求人沟通")))
    if stage > 0.7:
        steps.append(("visit", wo.VisitBody(satisfaction=rng.choice([3, 4, 5, 5, 5]))))
    for i, (action, body) in enumerate(steps):
        when = min(at + timedelta(minutes=20 * (i + 1)), utcnow())
        workorders.apply_action(
            session=session, order=order, action=action, body=body, actor="demo-unit", now=when
        )


def _incident_path(session: Session, req_id: int, script: Script, rng: random.Random, at: datetime) -> None:
    req = requests.require(session=session, request_id=req_id)
    requests.transition(session=session, req=req, action="register", actor="demo-seat-110")
    data = IncidentCreate(request_id=req.id, category_code=script.incident_category, priority=2)
    incident = incidents.create(session=session, data=data, request=req, actor="demo-seat-110")
    unit_id = _police_unit(session, script.district)
    if unit_id is None:
        return
    steps: list[tuple[str, BaseModel]] = [("dispatch", DispatchBody(jurisdiction_unit_id=unit_id))]
    if rng.random() > 0.3:
        steps += [
            ("arrive", NoteBody()),
            ("resolve", ResolveBody(disposition="民警到场处置, 现场已平息")),
            ("feedback", FeedbackBody(feedback="已向报警人反馈处置结果")),
        ]
    for i, (action, body) in enumerate(steps):
        when = min(at + timedelta(minutes=8 * (i + 1)), utcnow())
        incidents.apply_action(
            session=session, incident=incident, action=action, body=body, actor="demo-police", now=when
        )


def replay_day(
    *, session: Session, count: int = 120, seed: int = 12345, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Replay `count` requests spread over the last 24 hours; each request is one transaction."""
    rng = random.Random(seed)
    start = utcnow() - timedelta(hours=24)
    tally = {"12345": 0, "110": 0, "guide": 0}
    for i in range(count):
        script = rng.choice(SCRIPTS)
        at = start + timedelta(seconds=int(86_400 * i / max(count, 1)))
        data = RequestCreate(
            channel=rng.choice([Channel.PHONE, Channel.PHONE, Channel.PHONE, Channel.WEB, Channel.WECHAT]),
            content=script.text,
            caller_phone=f"13{rng.randint(100_000_000, 999_999_999)}",
            adcode=script.district,
            received_by="110" if script.route == "110" else "12345",
            received_at=at,
        )
        decision = store.decide(session=session, text=script.text).model_dump(mode="json")
        req = requests.create(session=session, data=data, actor="demo-intake", triage=decision)
        if script.route == "12345":
            _work_order_path(session, req.id, script, rng, at)
        elif script.route == "110":
            _incident_path(session, req.id, script, rng, at)
        else:
            requests.transition(
                session=session, req=req, action="guide", actor="demo-seat",
                changes={"resolution_note": "不属于12345和110受理范围, 已告知相关渠道"},
            )  # fmt: skip
        session.commit()
        tally[script.route] += 1
        if progress:
            progress(1)
    return tally
