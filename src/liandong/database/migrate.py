"""Alembic, configured from code so the installed package migrates without an alembic.ini."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from liandong.database.core import create_db_engine, normalise_url


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("liandong") / "migrations"))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    create_db_engine(url).dispose()  # creates the SQLite directory
    command.upgrade(alembic_config(url), revision)


def pending_changes(engine: Engine) -> list[object]:
    """Differences between the models and the migrated schema (empty when every change has a migration)."""
    from liandong.database import models  # noqa: F401 - registers every table
    from liandong.database.core import Base

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))
