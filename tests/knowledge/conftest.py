"""Fixtures for the knowledge engine: 20 hotline FAQ entries and one shared e5 embedder."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from liandong.knowledge.embedding import E5Embedder
from liandong.knowledge.search import EntryDoc, KnowledgeIndex, build_index

FAQ: list[tuple[str, str, tuple[str, ...], str]] = [
    (
        "社保卡丢失如何补办",
        "携带本人身份证到社保经办机构或合作银行网点办理挂失和补办，约7个工作日制卡。",
        ("社会保障卡遗失补办",),
        "人社",
    ),
    (
        "住房公积金提取条件和办理流程",
        "购房、租房、退休、离职等情形可申请提取住房公积金，可在公积金APP线上办理。",
        ("公积金怎么取",),
        "住建",
    ),
    (
        "居住证办理需要哪些材料",
        "需身份证、居住登记凭证（租房合同或房产证）、近期照片，到辖区派出所办理。",
        (),
        "公安",
    ),
    ("小区计划停水通知在哪里查询", "可关注自来水公司公众号或拨打供水服务热线查询计划停水时间。", (), "水务"),
    (
        "夜间施工噪音扰民如何投诉",
        "夜间22时至次日6时施工须有夜间施工许可，无证施工可向城管部门投诉。",
        ("晚上工地很吵",),
        "城管",
    ),
    ("新生儿医保如何参保", "新生儿出生后可在出生当年办理居民医保参保登记，凭出生医学证明办理。", (), "医保"),
    (
        "营业执照怎样网上申请",
        "登录政务服务网“一网通办”选择企业开办，填报信息后电子营业执照即时生成。",
        (),
        "市场监管",
    ),
    (
        "被拖欠工资怎么维权",
        "可向劳动保障监察大队投诉或申请劳动仲裁，需提供劳动合同、考勤、工资流水等证据。",
        ("老板不发工资",),
        "人社",
    ),
    ("电动自行车如何上牌", "携带购车发票、合格证、身份证到交警车管所或指定服务点办理登记上牌。", (), "公安"),
    ("孩子入学学位如何申请", "按学区划分在教育局网上报名系统登记，提交户籍和房产材料。", (), "教育"),
    ("燃气费如何缴纳", "可通过燃气公司营业厅、银行代扣或手机APP缴纳燃气费。", (), "城管"),
    ("身份证过期了怎么换领", "到户籍地或居住地派出所办理换领，需本人到场采集照片和指纹。", (), "公安"),
    ("退休养老金领取资格认证怎么做", "可通过人社APP人脸识别完成认证，也可到社区服务中心办理。", (), "人社"),
    ("物业费收费标准争议找谁", "物业服务收费争议可向所在区住建部门物业管理科反映。", (), "住建"),
    ("违章建筑举报渠道", "可向所在街道综合执法队或城管部门举报违法建设。", (), "城管"),
    ("路灯不亮向哪里反映", "道路照明故障可向市政设施管理部门报修。", (), "城管"),
    ("不动产权证办理进度查询", "凭受理回执在不动产登记中心网站或窗口查询办理进度。", (), "自然资源"),
    ("失业保险金如何申领", "非本人意愿中断就业且缴费满一年的，可在人社APP申领失业保险金。", (), "人社"),
    ("网约车乱收费投诉", "可向交通运输部门投诉，需提供订单号、行程时间和付款凭证。", (), "交通"),
    ("公交卡老年人优惠怎么办理", "年满65周岁的老年人凭身份证到公交卡服务网点办理免费乘车卡。", (), "交通"),
]


def faq_docs() -> list[EntryDoc]:
    """The fixture entries, ids 1..20, all published and currently valid."""
    return [
        EntryDoc(entry_id=i, question=q, answer=a, variants=v, category=c, region=None)
        for i, (q, a, v, c) in enumerate(FAQ, 1)
    ]


NOW = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def embedder() -> E5Embedder:
    """The real bundled e5 model, loaded once."""
    return E5Embedder()


@pytest.fixture(scope="session")
def faq_index_shared(embedder: E5Embedder) -> KnowledgeIndex:
    """A hybrid index over the fixture entries; tests must not mutate it (use faq_index for that)."""
    return build_index(faq_docs(), embedder=embedder)


@pytest.fixture()
def faq_index(embedder: E5Embedder) -> KnowledgeIndex:
    """A fresh hybrid index a test may mutate (embeddings of the 20 entries take ~1 s)."""
    return build_index(faq_docs(), embedder=embedder)


@pytest.fixture()
def docs() -> list[EntryDoc]:
    """A fresh copy of the fixture entries."""
    return faq_docs()
