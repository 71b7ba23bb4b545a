"""Handling-unit candidates for a decision: the unit profiles from the organisations table, ranked."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from liandong.config import get_settings
from liandong.reference import address
from liandong.reference import service as reference
from liandong.reference.enums import HANDLING_UNIT_KINDS
from liandong.triage.schemas import UnitCandidate, UnitProfile
from liandong.triage.units import rank_units


def region_of(locations: Iterable[str]) -> str | None:
    """The division code of the first place named in the text that resolves without ambiguity."""
    for place in locations:
        found = address.resolve(place, context_adcode=get_settings().city_adcode)
        if found.adcode and not found.ambiguous:
            return found.adcode
    return None


def unit_profiles(*, session: Session) -> list[UnitProfile]:
    """Active handling units with the regions they serve and the categories they handle (责任清单)."""
    orgs, _total = reference.list_organisations(session=session, limit=10_000)
    kinds = {k.value for k in HANDLING_UNIT_KINDS}
    return [
        UnitProfile(
            id=str(o.id),
            name=o.name,
            regions=[r.adcode for r in o.regions],
            categories=[c.category for c in o.categories],
        )
        for o in orgs
        if o.active and o.kind in kinds
    ]


def candidate_units(*, session: Session, adcode: str | None, category: str | None) -> list[UnitCandidate]:
    """The top handling units for a request's region and category."""
    return rank_units(adcode=adcode, category=category, units=unit_profiles(session=session))
