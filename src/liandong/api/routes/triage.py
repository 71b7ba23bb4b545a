"""Triage endpoints: a decision for a text, the item list (事项清单) and its audited edits, consultation (会商)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import Query, status
from pydantic import BaseModel, ConfigDict, Field

from liandong.api.auth import can
from liandong.api.deps import SessionDep
from liandong.api.routing import Router
from liandong.core.ids import MAX_ID, IdPath
from liandong.core.timeutil import utcnow
from liandong.linkage import consultation
from liandong.security.enums import Perm
from liandong.security.principal import Principal
from liandong.triage import candidates, flows, store

router = Router(prefix="/api/v1/triage", tags=["triage 分流"])

Reader = Annotated[Principal, can(Perm.REQUEST_READ)]
RulesWriter = Annotated[Principal, can(Perm.TRIAGE_RULES_WRITE)]


class DecideBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=50_000)
    adcode: str | None = Field(default=None, pattern=r"^\d{2,12}$")


class RulesYaml(BaseModel):
    model_config = ConfigDict(extra="forbid")

    yaml: str = Field(min_length=1, max_length=1_000_000)
    note: str = Field(min_length=1, max_length=2000)


class KeywordEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule_id: str = Field(min_length=1, max_length=80)
    add: list[str] = Field(default_factory=list, max_length=200)
    remove: list[str] = Field(default_factory=list, max_length=200)
    note: str = Field(min_length=1, max_length=2000)


class ConsultationDecide(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    platform: Literal["12345", "110", "119", "120", "122", "utility"]
    handling_norm: str = Field(min_length=1, max_length=8000, description="处置规范")
    keywords: list[Annotated[str, Field(max_length=40)]] = Field(min_length=1, max_length=50)
    unit_id: int | None = Field(default=None, gt=0, le=MAX_ID)


@router.post("/decide")
def decide(body: DecideBody, session: SessionDep, _: Reader) -> dict[str, Any]:
    """Platform, emergency, reasons, type, category, confidence, uncertainty, and the top-3 handling units."""
    decision = store.decide(session=session, text=body.text)
    adcode = body.adcode or candidates.region_of(decision.locations)
    units = candidates.candidate_units(session=session, adcode=adcode, category=decision.category)
    return {**decision.model_dump(mode="json"), "adcode": adcode, "units": [u.model_dump() for u in units]}


@router.get("/rules")
def get_rules(session: SessionDep, _: Reader) -> dict[str, Any]:
    rules = store.current_rules(session=session)
    return {"version": rules.version, "hash": rules.hash, "yaml": rules.to_yaml()}


@router.put("/rules")
def put_rules(body: RulesYaml, session: SessionDep, principal: RulesWriter) -> dict[str, Any]:
    """Replace the item list (validated; refused whole when any rule is wrong); takes effect at once."""
    row = flows.replace_rules(session=session, text=body.yaml, actor=principal.actor, note=body.note)
    return {"id": row.id, "version": row.version, "hash": row.content_hash}


@router.post("/rules/keywords")
def edit_keywords(body: KeywordEdit, session: SessionDep, principal: RulesWriter) -> dict[str, Any]:
    row = flows.edit_keywords(
        session=session,
        rule_id=body.rule_id,
        add=body.add,
        remove=body.remove,
        actor=principal.actor,
        note=body.note,
    )
    return {"id": row.id, "version": row.version, "hash": row.content_hash}


@router.get("/rules/history")
def rules_history(session: SessionDep, _: Reader) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "version": r.version,
            "hash": r.content_hash,
            "note": r.note,
            "created_by": r.created_by,
            "created_at": r.created_at,
        }
        for r in store.history(session=session)
    ]


@router.post("/consultations/detect")
def detect_consultations(
    session: SessionDep,
    principal: Annotated[Principal, can(Perm.SUPERVISE)],
    days: Annotated[int, Query(ge=1, le=365)] = 30,
    min_disputes: Annotated[int, Query(ge=1, le=1000)] = 2,
) -> list[dict[str, Any]]:
    """Find disputed items: requests refused, timed out or bounced between the platforms."""
    since: datetime = utcnow() - timedelta(days=days)
    items = flows.detect_consultations(session=session, since=since, min_disputes=min_disputes)
    return [_item(i) for i in items]


@router.get("/consultations")
def list_consultations(
    session: SessionDep,
    _: Annotated[Principal, can(Perm.SUPERVISE)],
    status: Literal["open", "decided"] | None = None,
) -> list[dict[str, Any]]:
    return [_item(i) for i in consultation.list_items(session=session, status=status)]


@router.post("/consultations/{item_id}/decide", status_code=status.HTTP_200_OK)
def decide_consultation(
    item_id: IdPath,
    body: ConsultationDecide,
    session: SessionDep,
    principal: Annotated[Principal, can(Perm.SUPERVISE, Perm.TRIAGE_RULES_WRITE)],
) -> dict[str, Any]:
    """Record the meeting's decision and apply it to the item list, so the same dispute does not recur."""
    item = flows.decide_consultation(
        session=session,
        item_id=item_id,
        platform=body.platform,
        handling_norm=body.handling_norm,
        keywords=body.keywords,
        unit_id=body.unit_id,
        actor=principal.actor,
    )
    return _item(item)


def _item(item: Any) -> dict[str, Any]:
    return {
        "id": item.id,
        "topic": item.topic,
        "status": item.status,
        "request_ids": item.request_ids,
        "dispute_count": item.dispute_count,
        "responsible_platform": item.responsible_platform,
        "responsible_unit_id": item.responsible_unit_id,
        "handling_norm": item.handling_norm,
        "keywords": item.keywords,
        "rules_version_id": item.rules_version_id,
        "decided_at": item.decided_at,
    }
