"""Storage: declarative base, engine and sessions."""

from liandong.database.core import Base, UTCDateTime, create_db_engine, make_session_factory

__all__ = ["Base", "UTCDateTime", "create_db_engine", "make_session_factory"]
