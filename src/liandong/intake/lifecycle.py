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
            ([S.RECEIVED], "guide", S.GUIDED),
            ([S.RECEIVED], "close", S.CLOSED),
        ]
    ),
)
