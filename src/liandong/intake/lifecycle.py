"""Request (诉求) lifecycle."""

from liandong.core.lifecycle import Lifecycle, table
from liandong.intake.enums import RequestStatus as S

REQUEST_LIFECYCLE = Lifecycle(
    entity="request",
    initial=S.RECEIVED,
    terminal=frozenset({S.GUIDED, S.CLOSED}),
    transitions=table(
        [
            ([S.RECEIVED], "register", S.REGISTERED),
            # A request can yield both a 工单 and a 警单 (daily linkage).
            ([S.REGISTERED], "register", Lifecycle.SAME),
            ([S.RECEIVED], "transfer", S.TRANSFERRED),  # 转办
            ([S.TRANSFERRED], "register", S.REGISTERED),  # the receiver accepts and registers it
            ([S.TRANSFERRED], "transfer_returned", S.RECEIVED),  # refused or timed out: back to the sender
            ([S.RECEIVED], "guide", S.GUIDED),
            ([S.RECEIVED], "close", S.CLOSED),
        ]
    ),
)
