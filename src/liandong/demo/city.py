"""The demo city's organisations: hotline centres, emergency lines, utilities, departments, street offices."""

from __future__ import annotations

from sqlalchemy.orm import Session

from liandong.reference import service
from liandong.reference.enums import OrgKind
from liandong.reference.schemas import OrganisationCreate

CITY = "4301"  # 长沙市
DISTRICTS = {
    "430102": "芙蓉区",
    "430103": "天心区",
    "430104": "岳麓区",
    "430105": "开福区",
    "430111": "雨花区",
}
CITY_CATEGORIES = ["城乡建设", "环境保护", "交通运输", "劳动和社会保障", "教育文体", "卫生计生", "商贸旅游"]

ORGANISATIONS: list[dict[str, object]] = [
    {"code": "CS-12345", "name": "长沙市12345政务服务便民热线中心", "kind": OrgKind.HOTLINE_12345, "phone": "12345"},
    {"code": "CS-110", "name": "长沙市公安局110指挥中心", "kind": OrgKind.POLICE_110, "phone": "110"},
    {"code": "CS-119", "name": "长沙市消防救援支队指挥中心", "kind": OrgKind.FIRE_119, "phone": "119"},
    {"code": "CS-120", "name": "长沙市急救中心", "kind": OrgKind.MEDICAL_120, "phone": "120"},
    {"code": "CS-122", "name": "长沙市公安局交通警察支队", "kind": OrgKind.TRAFFIC_122, "phone": "122"},
    {"code": "CS-WATER", "name": "长沙水业集团供水服务热线", "kind": OrgKind.UTILITY_WATER, "phone": "96565",
     "categories": ["城乡建设"]},
    {"code": "CS-POWER", "name": "国网长沙供电公司", "kind": OrgKind.UTILITY_POWER, "phone": "95598",
     "categories": ["城乡建设"]},
    {"code": "CS-GAS", "name": "长沙新奥燃气", "kind": OrgKind.UTILITY_GAS, "phone": "96777",
     "categories": ["城乡建设"]},
    {"code": "CS-HEAT", "name": "长沙供热服务中心", "kind": OrgKind.UTILITY_HEATING, "phone": "12345",
     "categories": ["城乡建设"]},
    {"code": "CS-ZJJ", "name": "长沙市住房和城乡建设局", "kind": OrgKind.DEPARTMENT, "categories": ["城乡建设"]},
    {"code": "CS-STJ", "name": "长沙市生态环境局", "kind": OrgKind.DEPARTMENT, "categories": ["环境保护"]},
    {"code": "CS-JTJ", "name": "长沙市交通运输局", "kind": OrgKind.DEPARTMENT, "categories": ["交通运输"]},
    {"code": "CS-RSJ", "name": "长沙市人力资源和社会保障局", "kind": OrgKind.DEPARTMENT,
     "categories": ["劳动和社会保障"]},
    {"code": "CS-JYJ", "name": "长沙市教育局", "kind": OrgKind.DEPARTMENT, "categories": ["教育文体"]},
    {"code": "CS-WJW", "name": "长沙市卫生健康委员会", "kind": OrgKind.DEPARTMENT, "categories": ["卫生计生"]},
    {"code": "CS-SJJ", "name": "长沙市市场监督管理局", "kind": OrgKind.DEPARTMENT, "categories": ["商贸旅游"]},
]  # fmt: skip


def _district_orgs() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for adcode, name in DISTRICTS.items():
        rows.append(
            {"code": f"CS-GOV-{adcode}", "name": f"长沙市{name}人民政府", "kind": OrgKind.GOVERNMENT,
             "regions": [adcode], "categories": CITY_CATEGORIES}
        )  # fmt: skip
        rows.append(
            {"code": f"CS-PS-{adcode}", "name": f"长沙市公安局{name}分局", "kind": OrgKind.POLICE_STATION,
             "regions": [adcode], "parent_code": "CS-110"}
        )  # fmt: skip
    rows.append(
        {"code": "CS-JD-430104011", "name": "岳麓区麓谷街道办事处", "kind": OrgKind.STREET_OFFICE,
         "regions": ["430104011"], "categories": ["城乡建设", "环境保护"], "parent_code": "CS-GOV-430104"}
    )  # fmt: skip
    return rows


def seed(*, session: Session) -> int:
    """Create the demo organisations that do not exist yet; returns how many were added."""
    added = 0
    for row in [*ORGANISATIONS, *_district_orgs()]:
        if service.get_organisation_by_code(session=session, code=str(row["code"])) is not None:
            continue
        data = dict(row)
        data.setdefault("regions", [CITY])
        data.setdefault("adcode", CITY)
        service.create_organisation(session=session, data=OrganisationCreate.model_validate(data))
        added += 1
    session.flush()
    return added
