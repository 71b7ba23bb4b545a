"""Transition tables of the linkage records: transfers, negotiations, emergency activations and their hotline
notifications, consultation items."""

from liandong.core.lifecycle import Lifecycle, table
from liandong.linkage.enums import ActivationStatus as A
from liandong.linkage.enums import ConsultationStatus as C
from liandong.linkage.enums import NegotiationStatus as N
from liandong.linkage.enums import NotificationStatus as H
from liandong.linkage.enums import TransferStatus as T

TRANSFER_LIFECYCLE = Lifecycle(
    entity="transfer",
    initial=T.PENDING,
    terminal=frozenset({T.ACCEPTED, T.REFUSED, T.EXPIRED, T.CANCELLED}),
    transitions=table(
        [
            ([T.PENDING], "accept", T.ACCEPTED),
            ([T.PENDING], "refuse", T.REFUSED),
            ([T.PENDING], "expire", T.EXPIRED),
            ([T.PENDING], "cancel", T.CANCELLED),
        ]
    ),
)

NEGOTIATION_LIFECYCLE = Lifecycle(
    entity="negotiation",
    initial=N.OPEN,
    terminal=frozenset({N.AGREED, N.FALLBACK, N.CANCELLED}),
    transitions=table(
        [
            ([N.OPEN], "note", Lifecycle.SAME),
            ([N.OPEN], "predispatch", Lifecycle.SAME),
            ([N.OPEN], "decide", N.AGREED),
            ([N.OPEN], "fallback", N.FALLBACK),
            ([N.OPEN], "cancel", N.CANCELLED),
        ]
    ),
)

ACTIVATION_LIFECYCLE = Lifecycle(
    entity="emergency activation",
    initial=A.ACTIVE,
    terminal=frozenset({A.CLOSED}),
    transitions=table([([A.ACTIVE], "close", A.CLOSED)]),
)

NOTIFICATION_LIFECYCLE = Lifecycle(
    entity="hotline notification",
    initial=H.PENDING,
    terminal=frozenset({H.ACKNOWLEDGED}),
    transitions=table(
        [
            ([H.PENDING], "deliver", H.DELIVERED),
            # A hotline may acknowledge before the relay marks delivery; acknowledging twice changes nothing.
            ([H.PENDING, H.DELIVERED], "acknowledge", H.ACKNOWLEDGED),
            ([H.ACKNOWLEDGED], "acknowledge", Lifecycle.SAME),
        ]
    ),
)

CONSULTATION_LIFECYCLE = Lifecycle(
    entity="consultation item",
    initial=C.OPEN,
    terminal=frozenset({C.DECIDED}),
    transitions=table([([C.OPEN], "decide", C.DECIDED)]),
)
