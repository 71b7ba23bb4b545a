"""The call state transition table; events are replayed through it in time order."""

from liandong.core.lifecycle import Lifecycle, table
from liandong.speech.enums import CallEventType as E
from liandong.speech.enums import CallState as S

CALL_LIFECYCLE = Lifecycle(
    entity="call",
    initial=S.NEW,
    terminal=frozenset({S.ENDED}),
    transitions=table(
        [
            ([S.NEW], E.RINGING, S.RINGING),
            # A PBX that reports no ringing (or lost it) still gives an answered call.
            ([S.NEW, S.RINGING], E.ANSWERED, S.ANSWERED),
            # Before answer a transfer moves the call to another queue; after it, to another seat or line.
            ([S.RINGING, S.ANSWERED], E.TRANSFERRED, Lifecycle.SAME),
            ([S.ANSWERED], E.CONFERENCED, Lifecycle.SAME),  # 三方通话
            ([S.NEW, S.RINGING, S.ANSWERED], E.ENDED, S.ENDED),
        ]
    ),
)

# Events at the same instant are replayed in call order: a PBX often stamps ringing and answer alike.
EVENT_RANK: dict[str, int] = {E.RINGING: 0, E.ANSWERED: 1, E.TRANSFERRED: 2, E.CONFERENCED: 3, E.ENDED: 4}
