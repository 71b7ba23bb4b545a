"""Knowledge base (知识库) endpoints: search, entries with versions and lifecycle, recommendation, FAQ mining."""

# No `from __future__ import annotations`: the per-action endpoints are built in a loop and FastAPI must see
# each body class as a real annotation.
from typing import Annotated, Any

from fastapi import Query, status
from pydantic import BaseModel

from liandong.api.auth import can
from liandong.api.deps import PagingDep, SessionDep
from liandong.api.pages import Page
from liandong.api.routing import Router
from liandong.core.ids import IdPath, IdQuery
from liandong.events import service as events
from liandong.events.schemas import EventRead
from liandong.intake import service as requests
from liandong.knowledge import faq, flows, query, service
from liandong.knowledge.enums import EntryStatus, ProposalStatus
from liandong.knowledge.schemas import (
    AcceptBody,
    EntryCreate,
    EntryRead,
    EntryUpdate,
    MineBody,
    NoteBody,
    ProposalRead,
    ReasonBody,
    SearchResult,
)
from liandong.security import scopes
from liandong.security.enums import Perm
from liandong.security.principal import Principal

router = Router(prefix="/api/v1/knowledge", tags=["knowledge 知识库"])

Authenticated = Annotated[Principal, can()]
Reader = Annotated[Principal, can(Perm.REQUEST_READ)]
Writer = Annotated[Principal, can(Perm.KNOWLEDGE_WRITE)]
Region = Annotated[str | None, Query(pattern=r"^\d{2,12}$")]


@router.get("/search", response_model=SearchResult)
def search(
    session: SessionDep,
    _: Authenticated,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    k: Annotated[int, Query(ge=1, le=20)] = 5,
    limit: Annotated[int | None, Query(ge=1, le=20, description="alias of k")] = None,
    region: Region = None,
    category: Annotated[str | None, Query(max_length=80)] = None,
) -> SearchResult:
    """Best published, currently valid entries with scores and the matched part (即问即答)."""
    return query.search(session=session, q=q, k=limit or k, region=region, category=category)


@router.get("/recommend")
def recommend(session: SessionDep, principal: Reader, request_id: Annotated[int, Query(gt=0, le=2_147_483_647)]
              ) -> dict[str, Any]:  # fmt: skip
    """For a request being handled: top answers, similar past cases with their outcome, recommended units."""
    req = requests.require(session=session, request_id=request_id)
    scopes.check_request(session, principal, req)
    return query.recommend(session=session, req=req)


def _entry_reader(principal: Principal) -> None:
    if not (principal.can(Perm.KNOWLEDGE_WRITE) or principal.can(Perm.KNOWLEDGE_DRAFT)):
        from liandong.core.errors import PermissionDenied

        raise PermissionDenied(f"role '{principal.role}' may not manage knowledge entries")


@router.post("/entries", status_code=status.HTTP_201_CREATED, response_model=EntryRead)
def create_entry(data: EntryCreate, session: SessionDep, principal: Authenticated) -> EntryRead:
    _entry_reader(principal)
    return service.to_read(flows.create(session=session, data=data, principal=principal))


@router.get("/entries", response_model=Page[EntryRead])
def list_entries(
    session: SessionDep, paging: PagingDep, principal: Authenticated, status: EntryStatus | None = None,
    category: Annotated[str | None, Query(max_length=80)] = None, organisation_id: IdQuery = None,
    root_id: IdQuery = None,
) -> Page[EntryRead]:  # fmt: skip
    _entry_reader(principal)
    rows, total = service.list_entries(
        session=session, principal=principal, status=status, category=category,
        organisation_id=organisation_id, root_id=root_id, limit=paging.limit, offset=paging.offset,
    )  # fmt: skip
    return Page(
        items=[service.to_read(e) for e in rows], total=total, limit=paging.limit, offset=paging.offset
    )


@router.get("/entries/{entry_id}", response_model=EntryRead)
def get_entry(entry_id: IdPath, session: SessionDep, principal: Authenticated) -> EntryRead:
    _entry_reader(principal)
    entry = service.require(session=session, entry_id=entry_id)
    service.check_entry(principal, entry)
    return service.to_read(entry)


@router.patch("/entries/{entry_id}", response_model=EntryRead)
def edit_entry(
    entry_id: IdPath, data: EntryUpdate, session: SessionDep, principal: Authenticated
) -> EntryRead:
    """Edit a draft; on a published entry this drafts a new version (returned) and the old one stays served."""
    _entry_reader(principal)
    return service.to_read(flows.edit(session=session, entry_id=entry_id, data=data, principal=principal))


@router.get("/entries/{entry_id}/events", response_model=list[EventRead])
def entry_events(entry_id: IdPath, session: SessionDep, principal: Authenticated) -> list[EventRead]:
    _entry_reader(principal)
    service.check_entry(principal, service.require(session=session, entry_id=entry_id))
    rows = events.history(session=session, entity_type=service.ENTITY, entity_id=entry_id)
    return [EventRead.model_validate(e) for e in rows]


ACTION_BODIES: dict[str, type[BaseModel]] = {
    "submit": NoteBody, "review": NoteBody, "reject": ReasonBody, "publish": NoteBody, "retire": ReasonBody,
}  # fmt: skip


def _action_endpoint(action: str, body_cls: type[BaseModel]) -> Any:
    def endpoint(
        entry_id: IdPath,
        body: body_cls,  # type: ignore[valid-type]
        session: SessionDep,
        principal: Authenticated,
    ) -> EntryRead:
        _entry_reader(principal)
        reason = getattr(body, "reason", None) or getattr(body, "note", None)
        entry = flows.act(
            session=session, entry_id=entry_id, action=action, principal=principal, reason=reason
        )
        return service.to_read(entry)

    endpoint.__name__ = f"knowledge_entry_{action}"
    return endpoint


for _action, _body in ACTION_BODIES.items():
    router.add_api_route(
        f"/entries/{{entry_id}}/{_action}",
        _action_endpoint(_action, _body),
        methods=["POST"],
        response_model=EntryRead,
        summary=f"Knowledge entry action: {_action}",
        responses={409: {"description": "action not allowed in the current state"}},
    )


@router.post("/faq/mine", status_code=status.HTTP_201_CREATED, response_model=list[ProposalRead])
def mine(body: MineBody, session: SessionDep, principal: Writer) -> list[ProposalRead]:
    """Cluster the period's consultation requests and store proposals addressed to the owning departments."""
    rows = faq.mine(session=session, body=body, actor=principal.actor)
    return [ProposalRead.model_validate(r) for r in rows]


@router.get("/faq/proposals", response_model=Page[ProposalRead])
def list_proposals(
    session: SessionDep, paging: PagingDep, principal: Authenticated, status: ProposalStatus | None = None
) -> Page[ProposalRead]:
    _entry_reader(principal)
    rows, total = faq.list_proposals(
        session=session, principal=principal, status=status, limit=paging.limit, offset=paging.offset
    )
    return Page(items=[ProposalRead.model_validate(r) for r in rows], total=total, limit=paging.limit,
                offset=paging.offset)  # fmt: skip


@router.get("/faq/proposals/{proposal_id}", response_model=ProposalRead)
def get_proposal(proposal_id: IdPath, session: SessionDep, principal: Authenticated) -> ProposalRead:
    _entry_reader(principal)
    return ProposalRead.model_validate(faq.require_visible(session=session, proposal_id=proposal_id,
                                                          principal=principal))  # fmt: skip


@router.post("/faq/proposals/{proposal_id}/accept", response_model=ProposalRead)
def accept_proposal(proposal_id: IdPath, body: AcceptBody, session: SessionDep, principal: Authenticated
                    ) -> ProposalRead:  # fmt: skip
    """The department accepts: a draft entry (new) or a new draft version of the matched entry (update)."""
    _entry_reader(principal)
    return ProposalRead.model_validate(faq.accept(session=session, proposal_id=proposal_id, body=body,
                                                  principal=principal))  # fmt: skip


@router.post("/faq/proposals/{proposal_id}/reject", response_model=ProposalRead)
def reject_proposal(proposal_id: IdPath, body: ReasonBody, session: SessionDep, principal: Authenticated
                    ) -> ProposalRead:  # fmt: skip
    _entry_reader(principal)
    return ProposalRead.model_validate(faq.reject(session=session, proposal_id=proposal_id, reason=body.reason,
                                                  principal=principal))  # fmt: skip
