"""Live mode over HTTP: PCM chunks in, partial segments pushed as server-sent events, final at hang-up."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.factories import make_unit
from tests.speech.call_helpers import counts, ev
from tests.speech.helpers import KNOWN_TEXT, to_int16

from liandong.speech import runtime
from liandong.speech.audio import Audio
from liandong.speech.transcribe import Transcriber, cer

SILENCE = np.zeros(16_000 * 2, dtype=np.float32)


@pytest.fixture
def live_engine(transcriber: Transcriber) -> Iterator[Transcriber]:
    previous = runtime.use_transcriber(transcriber)
    yield transcriber
    runtime.use_transcriber(previous)


@pytest.fixture
def call_id(client: TestClient) -> int:
    r = client.post("/api/v1/calls/events", json=[ev("ringing"), ev("answered", at=1, seat="1001")])
    return int(r.json()["calls"][0])


def parse_sse(lines: list[str]) -> list[dict[str, Any]]:
    """Server-sent events as dicts {id, event, data}; comments (keepalives) dropped."""
    out: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    for line in lines:
        if not line:
            if current:
                out.append(current)
            current = {}
        elif not line.startswith(":"):
            key, _, value = line.partition(": ")
            current[key] = json.loads(value) if key == "data" else value
    return out


def test_live_call_streams_partials_then_final(
    client: TestClient,
    as_role: Callable[..., TestClient],
    session: Session,
    live_engine: Transcriber,
    clip: Callable[[str], Audio],
    call_id: int,
) -> None:
    base = f"/api/v1/calls/{call_id}/live"
    opened = client.post(base, json={"sample_rate": 16000, "channels": 1})
    assert opened.status_code == 201, opened.text
    seat = as_role("seat_12345")
    received: list[str] = []
    first_push, connected = threading.Event(), threading.Event()

    def listen() -> None:
        with seat.stream("GET", f"{base}/stream") as r:
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
            connected.set()
            for line in r.iter_lines():
                received.append(line)
                if line.startswith("event: segments"):
                    first_push.set()

    reader = threading.Thread(target=listen)
    reader.start()
    # The test's requests share one database connection: let the stream authenticate before chunks do.
    assert connected.wait(timeout=60)
    call = np.concatenate(
        [clip("asr_example_zh.wav").mono(), SILENCE, clip("asr_example.wav").mono(), SILENCE]
    )
    pcm = to_int16(call).tobytes()
    for i in range(0, len(pcm), 16_001):  # odd size: samples split across chunks
        r = client.post(f"{base}/chunks", content=pcm[i : i + 16_001],
                        headers={"content-type": "application/octet-stream"})  # fmt: skip
        assert r.status_code == 200, r.text
    # The first utterance reaches the seat while the call is still going on.
    assert first_push.wait(timeout=120), received
    final = client.post(f"{base}/finish")
    reader.join(timeout=120)
    assert not reader.is_alive()
    body = final.json()
    assert final.status_code == 200 and body["finished"] and body["transcription_id"]
    assert cer(KNOWN_TEXT + "每一天都要快乐喔", body["text"]) <= 0.2, body["text"]
    assert body["triage"] is not None
    events = parse_sse(received)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "segments" and kinds[-1] == "final" and "triage" in kinds
    pushed = [s["text"] for e in events if e["event"] == "segments" for s in e["data"]["segments"]]
    assert pushed == [s["text"] for s in body["segments"]]
    assert [int(e["id"]) for e in events] == list(range(1, len(events) + 1))
    detail = client.get(f"/api/v1/calls/{call_id}").json()
    live = [t for t in detail["transcriptions"] if t["kind"] == "live"]
    assert len(live) == 1 and live[0]["status"] == "done" and live[0]["text"] == body["text"]
    assert detail["triage"] is not None
    # A seat that connects late, or reconnects, gets the log replayed; finishing again changes nothing.
    with seat.stream("GET", f"{base}/stream") as late:
        replay = parse_sse(list(late.iter_lines()))
    assert [e["event"] for e in replay] == kinds
    last = str(len(events))
    with seat.stream("GET", f"{base}/stream", headers={"Last-Event-ID": last}) as done:
        assert parse_sse(list(done.iter_lines())) == []
    before = counts(session)
    assert client.post(f"{base}/finish").json()["transcription_id"] == body["transcription_id"]
    assert counts(session) == before
    assert client.post(f"{base}/chunks", content=pcm[:640]).status_code == 409


def test_live_refusals_write_nothing(
    client: TestClient,
    as_role: Callable[..., TestClient],
    session: Session,
    live_engine: Transcriber,
    call_id: int,
) -> None:
    base = f"/api/v1/calls/{call_id}/live"
    unit = as_role("unit_staff", organisation_id=make_unit(session).id)
    before = counts(session)
    for body in ({"sample_rate": 44100}, {"channels": 3}, {"sample_rate": "fast"}, {"codec": "opus"}):
        r = client.post(base, json=body)
        assert r.status_code == 422, body
    assert client.post("/api/v1/calls/999999/live", json={}).status_code == 404
    assert client.post(f"{base}/chunks", content=b"\x00\x00").status_code == 404  # not opened yet
    assert client.get(f"{base}/stream").status_code == 404
    assert unit.post(base, json={}).status_code == 403
    assert client.post(base, json={"sample_rate": 8000}).status_code == 201
    assert client.post(base, json={}).status_code == 409  # one live session per call
    assert unit.get(f"{base}/stream").status_code == 403
    assert unit.post(f"{base}/chunks", content=b"\x00\x00").status_code == 403
    too_big = client.post(f"{base}/chunks", content=bytes(300 * 1024))
    assert too_big.status_code == 422 and too_big.json()["details"]["reason"] == "too_large"
    odd = client.post(f"{base}/chunks", content=b"\x01")  # half a sample waits for the rest
    assert odd.status_code == 200 and odd.json()["duration"] == 0
    state = client.get(base).json()
    assert state["sample_rate"] == 8000 and not state["finished"]
    assert counts(session) == before
