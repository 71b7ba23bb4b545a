"""Police incident states and categories."""

from enum import StrEnum


class IncidentStatus(StrEnum):
    RECEIVED = "received"  # 接警
    DISPATCHED = "dispatched"  # 派警
    ON_SCENE = "on_scene"  # 到场
    RESOLVED = "resolved"  # 处置完毕
    CLOSED = "closed"  # 反馈 (已反馈, 结束)
    CANCELLED = "cancelled"  # 撤警


# 警情类别代码 (JQLBDM), first level. Deployed 110 systems use provincial code tables; a deployment maps its own
# codes onto these in the exchange mapping (docs/exchange.md).
INCIDENT_CATEGORIES: dict[str, str] = {
    "01": "刑事类警情",
    "02": "治安类警情",
    "03": "道路交通类警情",
    "04": "群体性事件",
    "05": "公共设施险情",
    "06": "灾害事故",
    "07": "紧急求助",
    "08": "纠纷",
    "09": "警务投诉",
    "10": "非警务警情",
    "99": "其他",
}
