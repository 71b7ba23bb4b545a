"""Call records (话务): CTI events in, recordings and their transcripts, live transcription over SSE."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Any

from fastapi import Body, Header, Query, Request, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import TypeAdapter, ValidationError

from liandong.api.auth import can
from liandong.api.deps import PagingDep, SessionDep
from liandong.api.pages import Page
from liandong.api.routing import Router
from liandong.config import Settings
from liandong.core.enums import ReceivingPlatform
from liandong.core.ids import IdPath, IdQuery
from liandong.intake.schemas import PHONE_PATTERN
from liandong.security import pii
from liandong.security.enums import Perm
from liandong.security.principal import Principal
from liandong.speech import flows, runtime, service
from liandong.speech.enums import CallState
from liandong.speech.livehub import LiveCall, LiveHub
from liandong.speech.schemas import (
    LABEL_PATTERN,
    AnswerStats,
    CallDetail,
    CallEventBatch,
    CallEventIn,
    CallRead,
    IngestResult,
    LinkBody,
    LiveOpen,
    LiveRead,
    TranscriptionRead,
)
from liandong.speech.transcribe import Segment

router = Router(prefix="/api/v1/calls", tags=["calls 话务"])

Reader = Annotated[Principal, can(Perm.CALL_READ)]
Writer = Annotated[Principal, can(Perm.CALL_WRITE)]
CHINA = timezone(timedelta(hours=8))  # no daylight saving: a fixed offset is exact
KEEPALIVE_S = 15.0
_ONE = TypeAdapter(CallEventIn)
_BATCH = TypeAdapter(CallEventBatch)
_hub_lock = threading.Lock()


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _hub(request: Request) -> LiveHub:
    """This process's live sessions (per app, so test apps do not share them)."""
    with _hub_lock:
        hub: LiveHub | None = getattr(request.app.state, "live_hub", None)
        if hub is None:
            hub = request.app.state.live_hub = LiveHub()
        return hub


@router.post("/events", response_model=IngestResult)
def post_events(
    session: SessionDep,
    principal: Writer,
    body: Annotated[Any, Body(description="one CTI event, or a JSON array of up to 1000 (docs/cti.md)")],
) -> IngestResult:
    """Ingest CTI events; idempotent per (source, call_id, event, timestamp); one bad event stores none."""
    try:
        events = _BATCH.validate_python(body) if isinstance(body, list) else [_ONE.validate_python(body)]
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
    return flows.ingest(session=session, events=events, actor=principal.actor)


@router.get("", response_model=Page[CallRead])
def list_calls(
    session: SessionDep,
    paging: PagingDep,
    principal: Reader,
    platform: ReceivingPlatform | None = None,
    number: Annotated[str | None, Query(max_length=25, pattern=PHONE_PATTERN)] = None,
    seat: Annotated[str | None, Query(max_length=64, pattern=LABEL_PATTERN)] = None,
    queue: Annotated[str | None, Query(max_length=64, pattern=LABEL_PATTERN)] = None,
    state: CallState | None = None,
    day: Annotated[date | None, Query(description="calls started on this day, China time")] = None,
    started_from: datetime | None = None,
    started_to: datetime | None = None,
    request_id: IdQuery = None,
) -> Page[CallRead]:
    if day is not None:
        started_from = datetime.combine(day, time(), CHINA)
        started_to = started_from + timedelta(days=1)
    rows, total = service.list_calls(
        session=session, platform=platform, number=number, seat=seat, queue=queue, state=state,
        started_from=started_from, started_to=started_to, request_id=request_id, limit=paging.limit,
        offset=paging.offset,
    )  # fmt: skip
    items = [CallRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get("/stats", response_model=AnswerStats)
def call_stats(
    session: SessionDep,
    principal: Reader,
    start: datetime,
    end: datetime,
    within: Annotated[float, Query(ge=0, le=3600, description="service-level threshold, seconds")] = 15.0,
    platform: ReceivingPlatform | None = None,
    queue: Annotated[str | None, Query(max_length=64, pattern=LABEL_PATTERN)] = None,
) -> AnswerStats:
    """Answer rate, abandoned calls, service level and mean wait of inbound calls started in [start, end)."""
    return service.answer_stats(
        session=session, start=start, end=end, within_seconds=within, platform=platform, queue=queue
    )


@router.get("/{record_id}", response_model=CallDetail)
def get_call(record_id: IdPath, session: SessionDep, principal: Reader) -> CallDetail:
    """A call with its CTI events and transcripts; the caller's number masked."""
    detail = CallDetail.model_validate(service.require(session=session, record_id=record_id))
    if not principal.can(Perm.PII_UNMASK):  # numbers spoken on the call are personal data too
        for t in detail.transcriptions:
            t.text = pii.mask_text(t.text)
            t.segments = [{**s, "text": pii.mask_text(s.get("text"))} for s in t.segments]
    return detail


@router.post("/{record_id}/link", response_model=CallRead)
def link_call(record_id: IdPath, body: LinkBody, session: SessionDep, principal: Writer) -> CallRead:
    """Link the request (诉求) the seat registered for this call."""
    record = flows.link_request(
        session=session, record_id=record_id, request_id=body.request_id, actor=principal.actor
    )
    return CallRead.model_validate(record)


@router.post("/{record_id}/recording", status_code=status.HTTP_202_ACCEPTED, response_model=TranscriptionRead)
def upload_recording(
    record_id: IdPath,
    file: UploadFile,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Writer,
) -> TranscriptionRead:
    """Attach a WAV recording (16-bit PCM, 8 or 16 kHz, mono or stereo caller/seat); transcribed in the worker."""
    settings = _settings(request)
    service.require(session=session, record_id=record_id)
    data = file.file.read(settings.max_recording_bytes + 1)  # one byte over is enough to refuse it
    row, created = flows.attach_recording(
        session=session, settings=settings, record_id=record_id, data=data, actor=principal.actor
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return TranscriptionRead.model_validate(row)


def _live_read(call: LiveCall) -> LiveRead:
    live = call.session
    return LiveRead(
        call_record_id=call.record_id,
        sample_rate=live.sample_rate,
        channels=live.channels,
        duration=round(live.duration, 3),
        finished=call.finished,
        text=live.text,
        segments=[s.to_dict() for s in live.segments],
        triage=call.decision,
        transcription_id=call.transcription_id,
    )


def _triage_segments(segments: tuple[Segment, ...]) -> dict[str, Any] | None:
    return runtime.triage_text(runtime.caller_text(segments))


@router.post("/{record_id}/live", status_code=status.HTTP_201_CREATED, response_model=LiveRead)
async def open_live(
    record_id: IdPath, body: LiveOpen, request: Request, session: SessionDep, principal: Writer
) -> LiveRead:
    """Open a live session: then POST PCM chunks, let the seat GET the stream, POST finish at hang-up."""
    settings = _settings(request)

    def prepare() -> tuple[list[str], Any]:
        service.require(session=session, record_id=record_id)
        words = runtime.hotwords(session=session, settings=settings)
        session.close()
        return words, runtime.get_transcriber(settings)  # loading the model takes seconds, once

    words, transcriber = await run_in_threadpool(prepare)
    call = _hub(request).open(
        record_id, transcriber, sample_rate=body.sample_rate, channels=body.channels, hotwords=words,
        triage=_triage_segments,
    )  # fmt: skip
    return _live_read(call)


@router.get("/{record_id}/live", response_model=LiveRead)
def live_state(record_id: IdPath, request: Request, principal: Reader) -> LiveRead:
    return _live_read(_hub(request).get(record_id))


@router.post("/{record_id}/live/chunks", response_model=LiveRead)
async def live_chunk(record_id: IdPath, request: Request, principal: Writer) -> LiveRead:
    """Raw 16-bit little-endian PCM (interleaved when stereo) as the request body."""
    call = _hub(request).get(record_id)
    data = await request.body()
    await run_in_threadpool(call.feed, data)  # decoding must not block the event loop
    return _live_read(call)


@router.post("/{record_id}/live/finish", response_model=LiveRead)
async def live_finish(
    record_id: IdPath, request: Request, session: SessionDep, principal: Writer
) -> LiveRead:
    """Hang-up: transcribe what is buffered, keep the final transcript and triage on the call record."""
    call = _hub(request).get(record_id)

    def finish() -> None:
        with call.feed_lock:  # two finishes save one transcript
            transcript = call.finish()
            if call.transcription_id is None:
                decision = runtime.triage_transcript(transcript)
                call.decision = decision or call.decision
                row = flows.save_live_transcript(
                    session=session, record_id=record_id, transcript=transcript, decision=decision,
                    sample_rate=call.session.sample_rate, channels=call.session.channels,
                    actor=principal.actor,
                )  # fmt: skip
                call.transcription_id = row.id

    await run_in_threadpool(finish)
    return _live_read(call)


@router.get("/{record_id}/live/stream")
async def live_stream(
    record_id: IdPath,
    request: Request,
    session: SessionDep,
    principal: Reader,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    """Server-sent events: `segments` as utterances end, `triage` when it changes, `final` at hang-up."""
    call = _hub(request).get(record_id)
    session.close()  # hold no database connection for the length of a call
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
    queue, backlog = call.subscribe(after=after)

    async def events() -> AsyncIterator[str]:
        try:
            for message in backlog:
                yield message.encode()
                if message.event == "final":
                    return
            if call.finished and call.messages and call.messages[-1].id <= after:
                return  # the seat already has the final message
            while True:
                try:
                    message = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_S)
                except TimeoutError:
                    yield ": keepalive\n\n"  # keeps proxies from closing a quiet stream
                    continue
                yield message.encode()
                if message.event == "final":
                    return
        finally:
            call.unsubscribe(queue)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
