"""Import every domain's models so Base.metadata is complete (Alembic and create_all use this)."""

from liandong.events.models import Event
from liandong.incident.models import PoliceIncident
from liandong.intake.models import Attachment, ServiceRequest
from liandong.outbox.models import OutboxJob
from liandong.reference.models import Organisation, OrgCategory, OrgRegion, Region
from liandong.security.models import ApiToken, AuditEntry, User
from liandong.workorder.models import WorkOrder

__all__ = [
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "Event",
    "OrgCategory",
    "OrgRegion",
    "Organisation",
    "OutboxJob",
    "PoliceIncident",
    "Region",
    "ServiceRequest",
    "User",
    "WorkOrder",
]
