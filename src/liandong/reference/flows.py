"""Reference data use cases; each commits once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from liandong.reference import service
from liandong.reference.models import Organisation
from liandong.reference.schemas import OrganisationCreate, OrganisationUpdate


def create_organisation(*, session: Session, data: OrganisationCreate) -> Organisation:
    org = service.create_organisation(session=session, data=data)
    session.commit()
    return org


def update_organisation(*, session: Session, org_id: int, data: OrganisationUpdate) -> Organisation:
    org = service.update_organisation(session=session, org_id=org_id, data=data)
    session.commit()
    return org


def load_reference(*, session: Session) -> int:
    added = service.load_regions(session=session)
    session.commit()
    return added
