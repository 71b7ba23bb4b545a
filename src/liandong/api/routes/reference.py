"""Organisations and regions endpoints, and address resolution."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, status

from liandong.api.auth import can
from liandong.api.deps import PagingDep, SessionDep
from liandong.api.pages import Page
from liandong.api.routing import Router
from liandong.core.errors import NotFound
from liandong.core.ids import IdPath
from liandong.reference import address, flows, service
from liandong.reference.enums import OrgKind
from liandong.reference.schemas import OrganisationCreate, OrganisationRead, OrganisationUpdate, RegionRead
from liandong.security.enums import Perm
from liandong.security.principal import Principal

router = Router(prefix="/api/v1", tags=["reference"])

Reader = Annotated[Principal, can(Perm.REFERENCE_READ)]
Writer = Annotated[Principal, can(Perm.REFERENCE_WRITE)]


@router.post("/organisations", status_code=status.HTTP_201_CREATED, response_model=OrganisationRead)
def create_organisation(data: OrganisationCreate, session: SessionDep, _: Writer) -> OrganisationRead:
    return service.to_read(flows.create_organisation(session=session, data=data))


@router.get("/organisations", response_model=Page[OrganisationRead])
def list_organisations(
    session: SessionDep,
    paging: PagingDep,
    _: Reader,
    kind: OrgKind | None = None,
    adcode: str | None = None,
    category: str | None = None,
) -> Page[OrganisationRead]:
    rows, total = service.list_organisations(
        session=session, kind=kind, adcode=adcode, category=category, limit=paging.limit, offset=paging.offset
    )
    return Page(
        items=[service.to_read(o) for o in rows], total=total, limit=paging.limit, offset=paging.offset
    )


@router.get("/organisations/{org_id}", response_model=OrganisationRead)
def get_organisation(org_id: IdPath, session: SessionDep, _: Reader) -> OrganisationRead:
    return service.to_read(service.require_organisation(session=session, org_id=org_id))


@router.patch("/organisations/{org_id}", response_model=OrganisationRead)
def update_organisation(
    org_id: IdPath, data: OrganisationUpdate, session: SessionDep, _: Writer
) -> OrganisationRead:
    return service.to_read(flows.update_organisation(session=session, org_id=org_id, data=data))


@router.get("/regions", response_model=Page[RegionRead])
def list_regions(
    session: SessionDep,
    paging: PagingDep,
    _: Reader,
    parent_code: Annotated[str | None, Query(max_length=12)] = None,
    name: Annotated[str | None, Query(max_length=80)] = None,
) -> Page[RegionRead]:
    rows, total = service.list_regions(
        session=session, parent_code=parent_code, name=name, limit=paging.limit, offset=paging.offset
    )
    return Page(
        items=[RegionRead.model_validate(r) for r in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/regions/{code}", response_model=RegionRead)
def get_region(code: str, session: SessionDep, _: Reader) -> RegionRead:
    region = service.get_region(session=session, code=code)
    if region is None:
        raise NotFound("region", code)
    return RegionRead.model_validate(region)


@router.get("/address/resolve")
def resolve_address(
    _: Reader,
    text: Annotated[str, Query(min_length=1, max_length=500)],
    context: Annotated[str | None, Query(max_length=12, pattern=r"^\d{2,12}$")] = None,
) -> dict[str, Any]:
    """Address text -> 行政区划代码, reporting ambiguity instead of guessing."""
    return address.resolve(text, context_adcode=context).model_dump()
