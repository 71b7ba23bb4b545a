"""Import every domain's models so Base.metadata is complete (Alembic and create_all use this)."""

from liandong.analytics.models import HarassmentFlag, HotlineCallStat, KpiDaily
from liandong.events.models import Event
from liandong.exchange.models import ExchangeMessage, ExchangeOrder, InboxMessage
from liandong.incident.models import PoliceIncident
from liandong.intake.models import Attachment, ServiceRequest
from liandong.knowledge.models import BotConversation, FaqProposal, KnowledgeEntry
from liandong.linkage.models import (
    CoHandler,
    ConsultationItem,
    EmergencyActivation,
    HotlineNotification,
    Negotiation,
    NegotiationNote,
    OrderIncidentLink,
    Transfer,
)
from liandong.outbox.models import OutboxJob
from liandong.reference.models import Organisation, OrgCategory, OrgRegion, Region
from liandong.security.models import ApiToken, AuditEntry, User
from liandong.speech.models import CallEvent, CallRecord, Transcription
from liandong.supervision.models import SupervisionOrder
from liandong.triage.models import RuleSetVersion
from liandong.workorder.models import WorkOrder

__all__ = [
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "BotConversation",
    "CallEvent",
    "CallRecord",
    "CoHandler",
    "ConsultationItem",
    "EmergencyActivation",
    "Event",
    "ExchangeMessage",
    "ExchangeOrder",
    "FaqProposal",
    "HarassmentFlag",
    "HotlineCallStat",
    "HotlineNotification",
    "InboxMessage",
    "KnowledgeEntry",
    "KpiDaily",
    "Negotiation",
    "NegotiationNote",
    "OrderIncidentLink",
    "OrgCategory",
    "OrgRegion",
    "Organisation",
    "OutboxJob",
    "PoliceIncident",
    "Region",
    "RuleSetVersion",
    "ServiceRequest",
    "SupervisionOrder",
    "Transcription",
    "Transfer",
    "User",
    "WorkOrder",
]
