"""The work order (工单) transition table: 受理 -> 派单 -> 签收 -> 办理中 -> 办结 -> 回访 -> 归档 and side paths."""

from liandong.core.lifecycle import Lifecycle, table
from liandong.workorder.enums import WorkOrderStatus as S

OPEN_WITH_UNIT = [S.DISPATCHED, S.SIGNED, S.IN_PROGRESS, S.EXTENSION_REQUESTED, S.SUSPENDED]

WORK_ORDER_LIFECYCLE = Lifecycle(
    entity="work_order",
    initial=S.ACCEPTED,
    terminal=frozenset({S.ARCHIVED, S.CANCELLED}),
    transitions=table(
        [
            ([S.ACCEPTED], "dispatch", S.DISPATCHED),  # 派单
            ([S.DISPATCHED, S.SIGNED, S.RETURNED], "reassign", S.DISPATCHED),  # 改派
            ([S.DISPATCHED], "sign", S.SIGNED),  # 签收
            ([S.DISPATCHED, S.SIGNED], "return", S.RETURNED),  # 退回 (with reason)
            ([S.SIGNED], "start", S.IN_PROGRESS),  # 开始办理
            ([S.SIGNED, S.IN_PROGRESS], "request_extension", S.EXTENSION_REQUESTED),  # 延期申请
            ([S.EXTENSION_REQUESTED], "approve_extension", S.IN_PROGRESS),  # 延期批准
            ([S.EXTENSION_REQUESTED], "reject_extension", S.IN_PROGRESS),
            ([S.SIGNED, S.IN_PROGRESS], "suspend", S.SUSPENDED),  # 挂起
            ([S.SUSPENDED], "resume", S.IN_PROGRESS),
            # 即问即答: a seat may complete a consultation on the spot, without dispatch.
            ([S.ACCEPTED, S.SIGNED, S.IN_PROGRESS], "complete", S.COMPLETED),  # 办结
            ([S.COMPLETED], "visit", S.VISITED),  # 回访
            ([S.COMPLETED, S.VISITED], "reopen", S.DISPATCHED),  # 重办
            ([S.VISITED], "archive", S.ARCHIVED),  # 归档
            ([*OPEN_WITH_UNIT, S.RETURNED], "supervise", Lifecycle.SAME),  # 督办
            ([S.ACCEPTED, S.RETURNED], "cancel", S.CANCELLED),  # 作废
        ]
    ),
)
