"""The floor of `bench/intake.py --app floor`: the least an HTTP create can do on this stack.

FastAPI, a pydantic body, one single-row INSERT ... RETURNING and its commit, a JSON answer; no authentication,
validation of codes, triage, encryption, event or audit row. Whatever liandong's intake costs, it cannot cost less
than this, so this app's ratio in the same bench is the ceiling for the real one on the same machine.
"""

from __future__ import annotations

import os
import threading

import psycopg
from fastapi import FastAPI, Response
from pydantic import BaseModel, Field

URL = os.environ["LIANDONG_DATABASE_URL"]
app = FastAPI()
_local = threading.local()


class Body(BaseModel):
    channel: str
    content: str = Field(max_length=10_000)
    caller_phone: str | None = None
    adcode: str | None = None


def _conn() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:  # one connection per thread-pool thread, kept open
        conn = _local.conn = psycopg.connect(URL, autocommit=True)
        conn.execute(
            "CREATE TABLE IF NOT EXISTS floor_requests (id bigserial primary key, content text, at timestamptz)"
        )
    return conn


@app.post("/api/v1/requests", status_code=201)
def create(body: Body) -> dict[str, object]:
    row = (
        _conn()
        .execute("INSERT INTO floor_requests (content, at) VALUES (%s, now()) RETURNING id", (body.content,))
        .fetchone()
    )
    assert row is not None
    return {"id": row[0], "content": body.content, "channel": body.channel}


@app.get("/healthz")
def healthz() -> Response:
    return Response('{"status":"ok"}', media_type="application/json")
