"""PostgreSQL databases for the exchange tests, derived from LIANDONG_TEST_DATABASE_URL (CI has only that one)."""

from __future__ import annotations

import os

from sqlalchemy import text
from sqlalchemy.engine import make_url

from liandong.database import create_db_engine, idblocks

PG_URL = os.environ.get("LIANDONG_TEST_DATABASE_URL")


def derived(suffix: str, base: str | None = None) -> str:
    """`ex_<test db>_<suffix>` on the same server, created when missing (user postgres may CREATE DATABASE)."""
    base = base or PG_URL
    assert base is not None
    url = make_url(base)
    name = f"ex_{url.database}_{suffix}"
    engine = create_db_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def mailbox_url() -> str:
    """The shared intermediate database: LIANDONG_TEST_EXCHANGE_DATABASE_URL, or a derived one."""
    return os.environ.get("LIANDONG_TEST_EXCHANGE_DATABASE_URL") or derived("mailbox")


def reset(url: str) -> str:
    """An empty public schema (the nodes migrate it themselves)."""
    engine = create_db_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        idblocks.forget()
    finally:
        engine.dispose()
    return url
