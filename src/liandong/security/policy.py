"""Who may do what: role -> permissions, plus the object-level boundaries."""

from __future__ import annotations

from liandong.security.enums import Perm as P
from liandong.security.enums import Role as R

_SEAT = {
    P.REQUEST_READ, P.REQUEST_WRITE, P.PII_UNMASK, P.WORK_ORDER_READ, P.INCIDENT_READ, P.REFERENCE_READ,
    P.CALL_READ, P.CALL_WRITE,
}  # fmt: skip

ROLE_PERMISSIONS: dict[R, frozenset[P]] = {
    R.SEAT_12345: frozenset(_SEAT | {P.WORK_ORDER_WRITE}),
    R.SEAT_110: frozenset(_SEAT | {P.INCIDENT_WRITE, P.INCIDENT_READ_CONFIDENTIAL}),
    R.UNIT_STAFF: frozenset(
        {P.WORK_ORDER_READ, P.WORK_ORDER_HANDLE, P.REFERENCE_READ, P.REQUEST_READ, P.KNOWLEDGE_DRAFT}
    ),
    R.SUPERVISOR: frozenset(
        _SEAT
        | {
            P.WORK_ORDER_WRITE,
            P.INCIDENT_WRITE,
            P.INCIDENT_READ_CONFIDENTIAL,
            P.SUPERVISE,
            P.EXPORT,
            P.ANALYTICS_READ,
            P.TRIAGE_RULES_WRITE,
            P.KNOWLEDGE_WRITE,
        }
    ),
    R.ADMIN: frozenset(set(P) - {P.OPEN311_SUBMIT}),
    R.DATA_CONSUMER: frozenset({P.OPEN_DATA}),
    R.AUDITOR: frozenset(
        {P.AUDIT_READ, P.REQUEST_READ, P.WORK_ORDER_READ, P.INCIDENT_READ, P.REFERENCE_READ}
    ),
    R.SYSTEM: frozenset({P.EXCHANGE, P.OPEN311_SUBMIT, P.CALL_WRITE}),  # a PBX feeds CTI events
}

# Unit staff act on their unit's orders; seats of the other platform see only what the exchange shares.
UNIT_ACTIONS = {"sign", "return", "start", "request_extension", "suspend", "resume", "complete"}
CENTRE_ACTIONS = {
    "dispatch", "reassign", "approve_extension", "reject_extension", "visit", "reopen", "archive", "supervise",
    "cancel", "complete",
}  # fmt: skip


def permissions(role: str) -> frozenset[P]:
    try:
        return ROLE_PERMISSIONS[R(role)]
    except ValueError:
        return frozenset()
