"""The supervision order's transition table."""

from liandong.core.lifecycle import Lifecycle, table
from liandong.supervision.enums import SupervisionStatus as S

SUPERVISION_LIFECYCLE = Lifecycle(
    entity="supervision",
    initial=S.OPEN,
    terminal=frozenset({S.ANSWERED}),
    transitions=table([([S.OPEN], "respond", S.ANSWERED)]),
)
