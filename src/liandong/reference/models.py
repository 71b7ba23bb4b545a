"""Regions and organisations with the regions they serve and the categories they handle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from liandong.core.timeutil import utcnow
from liandong.database import Base


class Region(Base):
    """An administrative division (GB/T 2260 to county level, 9-digit statistical codes for townships)."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(12))
    parent_code: Mapped[str | None] = mapped_column(String(12), index=True)


class Organisation(Base):
    """A hotline centre, command centre, emergency line, utility, department or street office."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    phone: Mapped[str | None] = mapped_column(String(40))
    adcode: Mapped[str | None] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    regions: Mapped[list[OrgRegion]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    categories: Mapped[list[OrgCategory]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class OrgRegion(Base):
    __tablename__ = "organisation_regions"
    __table_args__ = (UniqueConstraint("organisation_id", "adcode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    adcode: Mapped[str] = mapped_column(String(12), index=True)


class OrgCategory(Base):
    """One line of the responsibility list: this organisation handles this category."""

    __tablename__ = "organisation_categories"
    __table_args__ = (UniqueConstraint("organisation_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(80), index=True)
