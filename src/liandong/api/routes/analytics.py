"""Analytics endpoints: KPIs, hotspots, risks, harassment review, staffing, merger, evaluation, open data."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from liandong.analytics import flows, opendata, report, service
from liandong.analytics.forecast import LOCAL_TZ
from liandong.analytics.schemas import (
    CallStatBatch,
    EvaluationRequest,
    HarassmentFlagRead,
    HarassmentReview,
    HarassmentScan,
    HotspotExampleRead,
    HotspotRead,
    KpiRead,
    KpiResponse,
    MergerRead,
    RiskRead,
    SeatNotice,
    StaffingIntervalRead,
    StaffingRead,
    SurgePlanRead,
)
from liandong.api.auth import can
from liandong.api.deps import PagingDep, SessionDep
from liandong.api.pages import Page
from liandong.api.routing import Router
from liandong.core.errors import InvalidInput
from liandong.core.timeutil import utcnow
from liandong.security import pii
from liandong.security.enums import Perm
from liandong.security.principal import Principal

router = Router(prefix="/api/v1/analytics", tags=["analytics 统计分析"])

Reader = Annotated[Principal, can(Perm.ANALYTICS_READ)]
Supervisor = Annotated[Principal, can(Perm.ANALYTICS_READ, Perm.SUPERVISE)]
Exporter = Annotated[Principal, can(Perm.ANALYTICS_READ, Perm.EXPORT)]
Seat = Annotated[Principal, can(Perm.REQUEST_WRITE)]  # seats and supervisors, not units
Switch = Annotated[Principal, can(Perm.EXCHANGE)]
OpenData = Annotated[Principal, can(Perm.OPEN_DATA)]
From = Annotated[date, Query(alias="from", description="first local day, YYYY-MM-DD")]
To = Annotated[date, Query(alias="to", description="last local day, YYYY-MM-DD")]


def _today() -> date:
    return utcnow().astimezone(LOCAL_TZ).date()


@router.get("/kpis", response_model=KpiResponse)
def kpis(
    session: SessionDep,
    principal: Reader,
    start: From,
    end: To,
    platform: Literal["12345", "110"] | None = None,
    unit_id: Annotated[int | None, Query(ge=0)] = None,
    adcode: Annotated[str | None, Query(max_length=12)] = None,
    category: Annotated[str | None, Query(max_length=80)] = None,
    group_by: Annotated[
        str, Query(max_length=100, description="comma list: platform,unit,region,category")
    ] = "",
    period: Literal["day", "week", "month", "year", "total"] = "total",
    region_level: Literal["province", "city", "county"] = "county",
) -> KpiResponse:
    groups = [g.strip() for g in group_by.split(",") if g.strip()]
    flt = service.KpiFilter(start, end, platform, unit_id, adcode, category)
    rows = service.kpis(session=session, flt=flt, group_by=groups, period=period, region_level=region_level)
    items = [KpiRead(**{k: getattr(r, k) for k in KpiRead.model_fields}) for r in rows]
    return KpiResponse(start=start, end=end, group_by=groups, period=period, items=items)


class RollupBody(BaseModel):
    model_config = {"extra": "forbid", "populate_by_name": True}

    start: date = Field(alias="from")
    end: date = Field(alias="to")


@router.post("/rollups", status_code=202)
def queue_rollups(body: RollupBody, session: SessionDep, principal: Supervisor) -> dict[str, int]:
    """Queue rebuilds of the daily rollups (the worker runs them)."""
    return {"queued": flows.queue_rollups(session=session, start=body.start, end=body.end)}


@router.get("/hotspots", response_model=list[HotspotRead])
def hotspots(
    session: SessionDep,
    principal: Reader,
    day: date | None = None,
    lookback_days: Annotated[int, Query(ge=7, le=365)] = 28,
    alpha: Annotated[float, Query(gt=0, lt=0.5)] = 0.01,
    min_count: Annotated[int, Query(ge=1, le=10_000)] = 3,
) -> list[HotspotRead]:
    found = service.hotspots(
        session=session, day=day or _today(), lookback_days=lookback_days, alpha=alpha, min_count=min_count
    )
    return [
        HotspotRead(
            day=a.day, region=a.region, category=a.category, count=a.count, expected=a.expected,
            p_value=a.p_value, score=a.score, by_platform=a.by_platform,
            examples=[HotspotExampleRead(id=e.id, platform=e.platform, text=e.text) for e in ex],
        )
        for a, ex in found
    ]  # fmt: skip


@router.get("/risks", response_model=list[RiskRead])
def risks(
    session: SessionDep,
    principal: Reader,
    window_days: Annotated[int, Query(ge=7, le=366)] = 180,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[RiskRead]:
    items = service.risks(session=session, now=utcnow(), window_days=window_days, limit=limit)
    return [RiskRead.model_validate(i, from_attributes=True) for i in items]


def _flag_read(flag: object) -> HarassmentFlagRead:
    read = HarassmentFlagRead.model_validate(flag)
    read.allowed_actions = flows.FLAG_LIFECYCLE.allowed_actions(read.status)
    return read


@router.post("/harassment/scan", response_model=list[HarassmentFlagRead])
def harassment_scan(
    body: HarassmentScan, session: SessionDep, principal: Supervisor
) -> list[HarassmentFlagRead]:
    """Find harassment candidates and queue them for a person's review (never blocks anyone)."""
    return [_flag_read(f) for f in flows.scan_harassment(session=session, params=body, actor=principal.actor)]


@router.get("/harassment/flags", response_model=Page[HarassmentFlagRead])
def harassment_flags(
    session: SessionDep,
    principal: Reader,
    paging: PagingDep,
    status: Literal["pending", "confirmed", "rejected", "revoked"] | None = None,
) -> Page[HarassmentFlagRead]:
    rows, total = service.list_flags(session=session, status=status, limit=paging.limit, offset=paging.offset)
    return Page(items=[_flag_read(f) for f in rows], total=total, limit=paging.limit, offset=paging.offset)


@router.post("/harassment/flags/{flag_id}/review", response_model=HarassmentFlagRead)
def harassment_review(
    flag_id: int, body: HarassmentReview, session: SessionDep, principal: Supervisor
) -> HarassmentFlagRead:
    """A supervisor confirms, rejects or revokes a flag; recorded as an event."""
    return _flag_read(flows.review_flag(session=session, flag_id=flag_id, body=body, actor=principal.actor))


class NoticeQuery(BaseModel):
    model_config = {"extra": "forbid"}

    phone: str | None = Field(default=None, max_length=25, pattern=r"^\+?[\d\- ]{3,24}$")
    caller_hash: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    emergency: bool = False


@router.post("/harassment/notice", response_model=SeatNotice)
def harassment_notice(body: NoticeQuery, session: SessionDep, principal: Seat) -> SeatNotice:
    """What the seat sees for an incoming number (POST keeps the number out of URLs and logs)."""
    if bool(body.phone) == bool(body.caller_hash):
        raise InvalidInput("phone", "give exactly one of phone or caller_hash")
    phone_hash = body.caller_hash or pii.match_hash(body.phone or "")
    flag, notice = flows.seat_notice(session=session, phone_hash=phone_hash, emergency=body.emergency)
    return SeatNotice(flagged=notice is not None, notice=notice, flag_id=flag.id if flag and notice else None)


@router.get("/staffing", response_model=StaffingRead)
def staffing(
    session: SessionDep,
    principal: Reader,
    platform: Literal["12345", "110"],
    start: date | None = None,
    days: Annotated[int, Query(ge=1, le=14)] = 1,
    history_days: Annotated[int, Query(ge=7, le=366)] = 56,
    aht_seconds: Annotated[float, Query(gt=0, le=7200)] = 240.0,
    patience_seconds: Annotated[float | None, Query(gt=0, le=3600)] = None,
    surge: Annotated[str, Query(max_length=40, description="comma list of multipliers")] = "1,3,5",
) -> StaffingRead:
    try:
        surges = [float(s) for s in surge.split(",") if s.strip()]
    except ValueError:
        raise InvalidInput("surge", "must be a comma list of numbers such as 1,3,5") from None
    first = start or _today() + timedelta(days=1)
    plan = service.staffing(
        session=session, platform=platform, start=first, days=days, history_days=history_days,
        aht_seconds=aht_seconds, patience_seconds=patience_seconds, surges=surges,
    )  # fmt: skip
    plans = [
        SurgePlanRead(
            surge=m,
            peak_agents=max((i.agents for i in intervals), default=0),
            seat_hours=round(sum(i.agents for i in intervals) * 0.5, 1),
            intervals=[StaffingIntervalRead.model_validate(i, from_attributes=True) for i in intervals],
        )
        for m, intervals in plan.plans.items()
    ]
    return StaffingRead(
        platform=platform, start=first, days=days, history_days=history_days, aht_seconds=aht_seconds,
        patience_seconds=patience_seconds, plans=plans,
    )  # fmt: skip


@router.post("/call-stats", status_code=201)
def post_call_stats(body: CallStatBatch, session: SessionDep, principal: Switch) -> dict[str, int]:
    """Hourly call statistics per hotline number from a switch (re-posting an hour replaces it)."""
    return {"stored": flows.ingest_call_stats(session=session, rows=body.rows)}


@router.get("/hotline-merger", response_model=list[MergerRead])
def hotline_merger(
    session: SessionDep,
    principal: Reader,
    start: From,
    end: To,
    min_answer_rate: Annotated[float, Query(gt=0, lt=1)] = 0.6,
    min_calls: Annotated[int, Query(ge=1, le=1_000_000)] = 100,
) -> list[MergerRead]:
    advice = service.hotline_merger(
        session=session, start=start, end=end, min_answer_rate=min_answer_rate, min_calls=min_calls
    )
    return [MergerRead.model_validate(a, from_attributes=True) for a in advice]


def _evaluation_response(session: SessionDep, req: EvaluationRequest) -> Response:
    data = report.build(session=session, req=req)
    name = f"evaluation-{req.platform}-{req.start}-{req.end}"
    if req.format == "html":
        return HTMLResponse(report.to_html(data))
    if req.format == "pdf":
        headers = {"Content-Disposition": f'attachment; filename="{name}.pdf"'}
        return Response(report.to_pdf(data), media_type="application/pdf", headers=headers)
    return JSONResponse(report.to_json(data))


@router.get("/evaluation")
def evaluation(
    session: SessionDep,
    principal: Reader,
    platform: Literal["12345", "110"],
    start: From,
    end: To,
    unit_id: Annotated[int | None, Query(gt=0)] = None,
    adcode: Annotated[str | None, Query(pattern=r"^\d{2,6}$")] = None,
    format: Literal["json", "html", "pdf"] = "json",
) -> Response:
    """The evaluation report with the default index system, as JSON, HTML or PDF."""
    req = EvaluationRequest(
        platform=platform, start=start, end=end, unit_id=unit_id, adcode=adcode, format=format
    )
    return _evaluation_response(session, req)


@router.post("/evaluation")
def evaluation_custom(body: EvaluationRequest, session: SessionDep, principal: Reader) -> Response:
    """The evaluation report with an index system given as YAML or JSON text in `config`."""
    return _evaluation_response(session, body)


@router.get("/evaluation/export")
def evaluation_export(
    session: SessionDep,
    principal: Exporter,
    platform: Literal["12345", "110"],
    start: From,
    end: To,
    format: Literal["csv", "jsonl"] = "csv",
) -> Response:
    """De-identified records for third-party evaluators (pseudonymous ids, county level, no texts)."""
    rows = report.evaluator_rows(session=session, platform=platform, start=start, end=end)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
    return Response(report.rows_to_text(rows, format), media_type=media)


@router.get("/open-data")
def open_data_catalogue(session: SessionDep, principal: OpenData) -> list[dict[str, object]]:
    """The open datasets, their columns, source, build time and suppression rule."""
    return opendata.catalogue(session=session)


@router.get("/open-data/{dataset}")
def open_data(
    dataset: Literal["counts", "unit_kpis"],
    session: SessionDep,
    principal: OpenData,
    paging: PagingDep,
    start: From,
    end: To,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """One page of an aggregated, de-identified dataset (cells under 5 suppressed)."""
    rows, total = opendata.page(
        session=session, name=dataset, start=start, end=end, limit=paging.limit, offset=paging.offset
    )
    if format == "csv":
        return Response(
            opendata.to_csv(rows, opendata.dataset(dataset).columns), media_type="text/csv; charset=utf-8"
        )
    body = {"items": rows, "total": total, "limit": paging.limit, "offset": paging.offset}
    return JSONResponse(body)
