"""Ranking handling units (承办单位) by region served and category handled."""

from collections.abc import Sequence

from liandong.triage.schemas import UnitCandidate, UnitProfile

# Region outweighs category: a unit of the wrong district cannot act, one of another category can hand over.
_REGION_SCORES = {"exact": 0.6, "parent": 0.45, "grandparent": 0.3, "within": 0.15, "none": 0.0}
_CATEGORY_SCORE = 0.4
_ANY_CATEGORY_SCORE = 0.2
_LENGTHS = (2, 4, 6, 9, 12)  # province, city, county, township, village
_COUNTY = 2
_ORDER = ("none", "within", "grandparent", "parent", "exact")


def _trim(code: str) -> str:
    """Drop GB/T 2260 zero padding: 430100 -> 4301, 430000 -> 43, 430102001000 -> 430102001."""
    code = code.strip()
    if not code.isdigit() or len(code) not in _LENGTHS:
        return ""
    if len(code) == 12 and code.endswith("000"):
        code = code[:9]
    if len(code) == 6:
        while len(code) > 2 and code.endswith("00"):
            code = code[:-2]
    return code


def _region_match(adcode: str, regions: Sequence[str]) -> str:
    """How well a unit's served regions cover the request's adcode."""
    if not adcode:
        return "none"
    best = "none"
    req_level = _LENGTHS.index(len(adcode))
    for raw in regions:
        served = _trim(raw)
        if not served:
            continue
        level = _LENGTHS.index(len(served))
        if adcode.startswith(served):
            # A county unit fully covers its townships and villages; higher levels cover with less precision.
            effective = req_level if level > _COUNTY else min(req_level, _COUNTY)
            diff = effective - level
            kind = "exact" if diff <= 0 else "parent" if diff == 1 else "grandparent"
        elif served.startswith(adcode):
            kind = "within"  # the request names only a city; this unit serves part of it
        else:
            continue
        if _ORDER.index(kind) > _ORDER.index(best):
            best = kind
    return best


def rank_units(
    *, adcode: str | None, category: str | None, units: Sequence[UnitProfile], limit: int = 3
) -> list[UnitCandidate]:
    """Top units with scores in [0, 1]: region (exact > parent level > province) plus category handled."""
    code = _trim(adcode or "")
    ranked: list[UnitCandidate] = []
    for unit in units:
        region = _region_match(code, unit.regions)
        if unit.categories:
            cat_ok = category is not None and category in unit.categories
            cat_score = _CATEGORY_SCORE if cat_ok else 0.0
        else:
            cat_ok, cat_score = False, _ANY_CATEGORY_SCORE
        score = _REGION_SCORES[region] + cat_score
        if score <= 0:
            continue
        ranked.append(
            UnitCandidate(
                id=unit.id, name=unit.name, score=round(score, 4), region_match=region, category_match=cat_ok
            )
        )
    ranked.sort(key=lambda c: (-c.score, c.name, c.id))
    return ranked[: max(limit, 0)]
