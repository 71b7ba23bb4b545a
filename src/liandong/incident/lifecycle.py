"""The police incident (警单) transition table: 接警 -> 派警 -> 到场 -> 处置完毕 -> 反馈."""

from liandong.core.lifecycle import Lifecycle, table
from liandong.incident.enums import IncidentStatus as S

INCIDENT_LIFECYCLE = Lifecycle(
    entity="incident",
    initial=S.RECEIVED,
    terminal=frozenset({S.CLOSED, S.CANCELLED}),
    transitions=table(
        [
            ([S.RECEIVED], "dispatch", S.DISPATCHED),  # 派警
            ([S.DISPATCHED], "redispatch", Lifecycle.SAME),  # 改派警力/管辖单位
            ([S.DISPATCHED], "arrive", S.ON_SCENE),  # 到场
            ([S.ON_SCENE], "resolve", S.RESOLVED),  # 处置完毕
            ([S.RESOLVED], "feedback", S.CLOSED),  # 反馈
            ([S.RECEIVED, S.DISPATCHED], "cancel", S.CANCELLED),  # 撤警 (reason required)
        ]
    ),
)
