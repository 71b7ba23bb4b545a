"""Demo 一问一答 entries, published, so the seat panel and the surge bot have answers in the demo city.

Written for the demo (general procedures, not any city's official wording); a deployment's departments keep their own.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liandong.knowledge import schemas
from liandong.knowledge import service as knowledge
from liandong.knowledge.models import KnowledgeEntry
from liandong.reference import service as reference

ENTRIES = [
    ("CS-RSJ", "劳动和社会保障", "社保卡丢失了怎么补办？", ["社保卡丢了", "补办社保卡", "社保卡挂失"],
     "先拨打社保服务热线或通过线上服务平台办理挂失，再携带本人身份证到社保卡服务网点或合作银行网点申请补办，"
     "补办卡一般在约定时间内领取。"),
    ("CS-RSJ", "劳动和社会保障", "公司拖欠工资怎么办？", ["老板不发工资", "欠薪投诉", "拖欠工资"],
     "可向用人单位所在地的劳动保障监察机构投诉，或申请劳动争议仲裁；请保留劳动合同、考勤、工资条等证据。"),
    ("CS-JYJ", "教育文体", "小学入学报名需要什么材料？", ["孩子上小学报名", "小学学位", "入学材料"],
     "一般需要户口簿、房产证明或居住证明、儿童预防接种证明等，具体以当年教育部门发布的招生方案为准，可在线上报名平台查询学区。"),
    ("CS-ZJJ", "城乡建设", "小区物业不作为可以向哪里反映？", ["物业不管事", "投诉物业", "物业服务差"],
     "可先向业主委员会和物业服务企业提出，仍未解决的可向所在街道（乡镇）或住房和城乡建设部门反映，"
     "12345 将转交属地处理。"),
    ("CS-STJ", "环境保护", "夜间施工噪音扰民怎么投诉？", ["工地晚上施工太吵", "施工噪音", "夜间施工"],
     "夜间（一般22时至次日6时）施工须取得相关许可；未经许可的夜间施工噪音可通过 12345 反映，"
     "由生态环境或城市管理部门核查处理。"),
    ("CS-JTJ", "交通运输", "公交线路调整和站点设置的建议怎么提？", ["增设公交站", "公交线路建议", "公交站点"],
     "可通过 12345 热线或网上 12345 提出建议，交通运输部门会结合客流情况研究，并在规定时限内答复。"),
    ("CS-WATER", "城乡建设", "突然停水了什么时候恢复？", ["停水", "没有自来水", "供水什么时候恢复"],
     "计划停水会提前公告；突发停水可拨打供水服务热线查询抢修进度，12345 也会将诉求转供水企业处理并反馈。"),
    ("CS-SJJ", "商贸旅游", "买到过期食品怎么投诉？", ["超市卖过期食品", "过期商品投诉", "食品过期"],
     "请保留购物凭证和商品，向市场监督管理部门投诉举报（也可通过 12345），经营者应依法承担退赔等责任。"),
]  # fmt: skip


def seed(*, session: Session) -> int:
    """Publish the demo entries once (skipped when the knowledge base has any entry)."""
    if session.scalar(select(func.count()).select_from(KnowledgeEntry)):
        return 0
    added = 0
    for org_code, category, question, variants, answer in ENTRIES:
        org = reference.get_organisation_by_code(session=session, code=org_code)
        if org is None:
            continue
        data = schemas.EntryBase(question=question, answer=answer, variants=variants, category=category)
        entry = knowledge.create(session=session, data=data, organisation_id=org.id, actor="demo")
        for action in ("submit", "review", "publish"):
            knowledge.apply_action(session=session, entry=entry, action=action, actor="demo")
        added += 1
    session.flush()
    return added
