"""Handling-unit ranking by region served and category handled."""

from liandong.triage import UnitProfile, rank_units

UNITS = [
    UnitProfile(id="u1", name="芙蓉区城管局", regions=["430102"], categories=["城乡建设"]),
    UnitProfile(id="u2", name="长沙市城管局", regions=["430100"], categories=["城乡建设"]),
    UnitProfile(id="u3", name="芙蓉区教育局", regions=["430102"], categories=["教育文体"]),
    UnitProfile(id="u4", name="湖南省住建厅", regions=["430000"], categories=["城乡建设"]),
    UnitProfile(id="u5", name="天心区城管局", regions=["430103"], categories=["城乡建设"]),
]


def test_exact_district_and_category_rank_first() -> None:
    ranked = rank_units(adcode="430102", category="城乡建设", units=UNITS)
    assert [c.id for c in ranked] == ["u1", "u2", "u4"]
    assert ranked[0].score > ranked[1].score > ranked[2].score
    assert ranked[0].region_match == "exact" and ranked[0].category_match


def test_a_district_unit_covers_its_townships() -> None:
    ranked = rank_units(adcode="430102001", category="城乡建设", units=UNITS)
    assert ranked[0].id == "u1" and ranked[0].region_match == "exact"
    assert rank_units(adcode="430102001000", category="城乡建设", units=UNITS)[0].id == "u1"


def test_other_district_is_not_a_candidate_by_region() -> None:
    ids = [c.id for c in rank_units(adcode="430102", category="城乡建设", units=UNITS, limit=10)]
    assert "u5" in ids  # category still matches
    assert ids.index("u5") > ids.index("u4")


def test_no_adcode_ranks_by_category_only() -> None:
    ranked = rank_units(adcode=None, category="教育文体", units=UNITS)
    assert ranked[0].id == "u3"


def test_bad_input_gives_empty_or_valid_lists() -> None:
    assert rank_units(adcode="not-a-code", category=None, units=UNITS) == []
    assert rank_units(adcode="430102", category="城乡建设", units=[]) == []
    odd = [UnitProfile(id="x", name="x", regions=["abc", "", "12"], categories=[])]
    assert [c.id for c in rank_units(adcode="430102", category=None, units=odd)] == ["x"]
    assert rank_units(adcode="430102", category=None, units=UNITS, limit=0) == []
