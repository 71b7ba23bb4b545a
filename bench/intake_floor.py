"""The floor of `bench/intake.py --app floor`: the least an intake the issue describes can do on this stack.

What #2 itself requires of creating a request, each done the cheapest way: FastAPI with a pydantic body, a bearer
token checked against memory (what a cached token costs), the caller's phone encrypted (AES-GCM), and the request
row with its event row written in one transaction, in one round trip (a single INSERT ... WITH statement), answered
as JSON. No triage, address lookup, code checks, rate limits, audit row, masking or read model. Whatever liandong's
intake costs, it cannot cost less than this, so this app's ratio in the same bench is the ceiling for the real one
on the same machine.
"""

from __future__ import annotations

import os
import threading
from typing import Annotated

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import FastAPI, Header, HTTPException, Response
from pydantic import BaseModel, Field

URL = os.environ["LIANDONG_DATABASE_URL"]
TOKEN = os.environ.get("FLOOR_TOKEN", "floor")
KEY = AESGCM(bytes(32))
app = FastAPI()
_local = threading.local()

SCHEMA = """
CREATE TABLE IF NOT EXISTS floor_requests (
    id bigserial primary key, channel text, content text, phone_enc bytea, adcode text, received_at timestamptz);
CREATE TABLE IF NOT EXISTS floor_events (
    id bigserial primary key, request_id bigint, action text, actor text, at timestamptz)
"""
CREATE = """
WITH r AS (
    INSERT INTO floor_requests (channel, content, phone_enc, adcode, received_at)
    VALUES (%s, %s, %s, %s, now()) RETURNING id, received_at)
INSERT INTO floor_events (request_id, action, actor, at) SELECT id, 'receive', 'api', received_at FROM r
RETURNING request_id, at
"""


class Body(BaseModel):
    channel: str
    content: str = Field(min_length=1, max_length=10_000)
    caller_phone: str | None = Field(default=None, max_length=32)
    adcode: str | None = Field(default=None, pattern=r"^\d{6,12}$")


def _conn() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:  # one connection per thread-pool thread, kept open
        conn = _local.conn = psycopg.connect(URL, autocommit=True)
        conn.execute(SCHEMA)
    return conn


@app.post("/api/v1/requests", status_code=201)
def create(body: Body, authorization: Annotated[str, Header()] = "") -> dict[str, object]:
    if authorization != f"Bearer {TOKEN}":
        raise HTTPException(401, "bad token")
    phone = None
    if body.caller_phone:
        nonce = os.urandom(12)
        phone = nonce + KEY.encrypt(nonce, body.caller_phone.encode(), None)
    row = _conn().execute(CREATE, (body.channel, body.content, phone, body.adcode)).fetchone()
    assert row is not None
    return {"id": row[0], "received_at": row[1].isoformat(), "channel": body.channel, "content": body.content}


@app.get("/healthz")
def healthz() -> Response:
    return Response('{"status":"ok"}', media_type="application/json")
