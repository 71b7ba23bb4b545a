"""Transfer and negotiation transition tables."""

from liandong.core.lifecycle import Lifecycle, table
from liandong.linkage.enums import NegotiationStatus as N
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
