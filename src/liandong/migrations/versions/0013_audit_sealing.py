"""audit rows sealed after commit: chain position, hashes written once by the sealer

Revision ID: 0013
Revises: 0009
Create Date: 2026-11-30 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTENT = ("id", "occurred_at", "actor", "source_ip", "action", "entity_type", "entity_id", "detail")

# Sealing sets seq, prev_hash and hash once on a row that has none; every other UPDATE, and every DELETE, is refused.
PG_GUARD = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND NEW.hash IS NOT NULL AND NEW.seq IS NOT NULL AND "
    + " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in CONTENT)
    + " THEN RETURN NEW; END IF; RAISE EXCEPTION 'audit_log is append-only'; END $$"
)
SQLITE_UPDATE_GUARD = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log WHEN OLD.hash IS NOT NULL OR NEW.hash IS NULL "
    "OR NEW.seq IS NULL OR "
    + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in CONTENT)
    + " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
)
OLD_SQLITE_UPDATE_GUARD = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
)
OLD_PG_GUARD = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
)


SQLITE_DELETE_GUARD = (
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
)


def _lift_guards(postgres: bool) -> None:
    if postgres:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")


def _restore_guards(postgres: bool, *, pg_function: str, sqlite_update: str) -> None:
    if postgres:
        op.execute(pg_function)
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    else:
        op.execute(sqlite_update)
        op.execute(SQLITE_DELETE_GUARD)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    _lift_guards(postgres)
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_log_seq"), ["seq"])
    # Rows chained before this revision were chained in id order.
    op.execute("UPDATE audit_log SET seq = id")
    _restore_guards(postgres, pg_function=PG_GUARD, sqlite_update=SQLITE_UPDATE_GUARD)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    _lift_guards(postgres)
    op.execute("DELETE FROM audit_log WHERE hash IS NULL")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_log_seq"), type_="unique")
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column("seq")
    _restore_guards(postgres, pg_function=OLD_PG_GUARD, sqlite_update=OLD_SQLITE_UPDATE_GUARD)
