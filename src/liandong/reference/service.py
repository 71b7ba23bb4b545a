"""Regions and organisations: load, look up, create, update."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from liandong.core.errors import Conflict, InvalidInput, NotFound
from liandong.reference import divisions, uscc
from liandong.reference.models import Organisation, OrgCategory, OrgRegion, Region
from liandong.reference.schemas import OrganisationCreate, OrganisationRead, OrganisationUpdate


def check_adcode(field: str, code: str | None) -> str | None:
    """A known division code in canonical form, or InvalidInput naming the field."""
    if code is None:
        return None
    division = divisions.get(code)
    if division is None:
        raise InvalidInput(field, f"unknown administrative division code '{code}'")
    return division.code


def load_regions(*, session: Session) -> int:
    """Insert every division not yet stored; returns how many were added."""
    existing = set(session.scalars(select(Region.code)))
    rows = [
        {
            "code": d.code,
            "name": d.name,
            "full_name": d.full_name,
            "level": str(d.level),
            "parent_code": d.parent_code,
        }
        for d in divisions.all_divisions()
        if d.code not in existing
    ]
    for start in range(0, len(rows), 5000):
        session.execute(insert(Region), rows[start : start + 5000])
    session.flush()
    return len(rows)


def get_region(*, session: Session, code: str) -> Region | None:
    return session.get(Region, code)


def list_regions(
    *,
    session: Session,
    parent_code: str | None = None,
    name: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Region], int]:
    stmt = select(Region)
    if parent_code is not None:
        stmt = stmt.where(Region.parent_code == parent_code)
    if name:
        stmt = stmt.where(Region.name.contains(name))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Region.code).limit(limit).offset(offset))
    return list(rows), total


def get_organisation(*, session: Session, org_id: int) -> Organisation | None:
    return session.get(Organisation, org_id)


def get_organisation_by_code(*, session: Session, code: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.code == code))


def require_organisation(*, session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound("organisation", org_id)
    return org


def _set_regions(org: Organisation, codes: Iterable[str]) -> None:
    canonical = [check_adcode("regions", c) for c in codes]
    org.regions = [OrgRegion(adcode=c) for c in dict.fromkeys(c for c in canonical if c)]


def create_organisation(*, session: Session, data: OrganisationCreate) -> Organisation:
    if get_organisation_by_code(session=session, code=data.code) is not None:
        raise Conflict(f"organisation code '{data.code}' already exists", details={"field": "code"})
    if data.uscc is not None:
        try:
            uscc.validate(data.uscc)
        except uscc.InvalidUSCC as exc:
            raise InvalidInput("uscc", str(exc)) from None
        if session.scalar(select(Organisation.id).where(Organisation.uscc == data.uscc)) is not None:
            raise Conflict(f"organisation with uscc '{data.uscc}' already exists", details={"field": "uscc"})
    parent_id = None
    if data.parent_code is not None:
        parent = get_organisation_by_code(session=session, code=data.parent_code)
        if parent is None:
            raise InvalidInput("parent_code", f"unknown organisation '{data.parent_code}'")
        parent_id = parent.id
    org = Organisation(
        code=data.code,
        uscc=data.uscc,
        name=data.name,
        kind=data.kind.value,
        parent_id=parent_id,
        phone=data.phone,
        adcode=check_adcode("adcode", data.adcode),
    )
    _set_regions(org, data.regions)
    org.categories = [OrgCategory(category=c) for c in data.categories]
    session.add(org)
    session.flush()
    return org


def update_organisation(*, session: Session, org_id: int, data: OrganisationUpdate) -> Organisation:
    org = require_organisation(session=session, org_id=org_id)
    if data.name is not None:
        org.name = data.name
    if data.phone is not None:
        org.phone = data.phone
    if data.active is not None:
        org.active = data.active
    if data.regions is not None:
        session.execute(delete(OrgRegion).where(OrgRegion.organisation_id == org.id))
        _set_regions(org, data.regions)
    if data.categories is not None:
        session.execute(delete(OrgCategory).where(OrgCategory.organisation_id == org.id))
        org.categories = [
            OrgCategory(category=c.strip()) for c in dict.fromkeys(data.categories) if c.strip()
        ]
    session.flush()
    return org


def list_organisations(
    *,
    session: Session,
    kind: str | None = None,
    adcode: str | None = None,
    category: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Organisation], int]:
    stmt = select(Organisation)
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    if adcode:
        stmt = stmt.where(Organisation.regions.any(OrgRegion.adcode == adcode))
    if category:
        stmt = stmt.where(Organisation.categories.any(OrgCategory.category == category))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Organisation.id).limit(limit).offset(offset))
    return list(rows), total


def to_read(org: Organisation) -> OrganisationRead:
    return OrganisationRead(
        id=org.id,
        code=org.code,
        uscc=org.uscc,
        name=org.name,
        kind=org.kind,
        parent_id=org.parent_id,
        phone=org.phone,
        adcode=org.adcode,
        active=org.active,
        regions=[r.adcode for r in org.regions],
        categories=[c.category for c in org.categories],
    )
