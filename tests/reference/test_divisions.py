"""The administrative divisions index shipped with the package."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liandong.reference import divisions
from liandong.reference.enums import DivisionLevel

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "admin_divisions"


def test_counts_match_the_source_data() -> None:
    levels = [d.level for d in divisions.all_divisions()]
    assert levels.count(DivisionLevel.PROVINCE) == 31
    assert levels.count(DivisionLevel.CITY) == 342
    assert levels.count(DivisionLevel.COUNTY) == 2978
    assert levels.count(DivisionLevel.TOWNSHIP) == 41352


def test_every_code_extends_its_parents_code() -> None:
    # address.py relies on this to test containment with a prefix comparison.
    for d in divisions.all_divisions():
        if d.parent_code is not None:
            assert d.code.startswith(d.parent_code), d
            assert divisions.get(d.parent_code) is not None


def test_municipality_districts_are_named_after_the_municipality() -> None:
    d = divisions.get("110101")
    assert d == divisions.Division("110101", "东城区", DivisionLevel.COUNTY, "1101", "北京市东城区")
    placeholder = divisions.get("1101")
    assert placeholder is not None and placeholder.placeholder and placeholder.full_name == "北京市"
    chongqing_county = divisions.get("500229")
    assert chongqing_county is not None and chongqing_county.full_name == "重庆市城口县"


def test_province_administered_counties_skip_the_placeholder() -> None:
    d = divisions.get("429004")
    assert d is not None and d.full_name == "湖北省仙桃市" and d.parent_code == "4290"


def test_same_named_child_is_not_repeated() -> None:
    d = divisions.get("441900")
    assert d is not None and d.full_name == "广东省东莞市"
    town = divisions.get("441900003")
    assert town is not None and town.full_name == "广东省东莞市东城街道"


def test_township_full_name() -> None:
    d = divisions.get("110101001")
    assert d is not None
    assert (d.name, d.level, d.parent_code, d.full_name) == (
        "东华门街道",
        DivisionLevel.TOWNSHIP,
        "110101",
        "北京市东城区东华门街道",
    )


def test_divisions_are_immutable() -> None:
    d = divisions.get("110101")
    assert d is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        divisions._index().by_code["x"] = d  # type: ignore[index]
    with pytest.raises(TypeError):
        divisions._names().by_name["x"] = ("110101",)  # type: ignore[index]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("110101", "110101"),
        ("110101000000", "110101"),
        ("110100", "1101"),
        ("110100000000", "1101"),
        ("110000", "11"),
        ("110000000000", "11"),
        ("11", "11"),
        ("1101", "1101"),
        ("110101001", "110101001"),
        ("110101001000", "110101001"),
        ("441900", "441900"),  # a real county code that also looks like city 4419 padded
        ("350527000", "350527000"),  # a township whose code ends in 000
        ("350527000000", "350527"),  # ... while the 12-digit form means the county
        (" 430104\n", "430104"),
        ("４３０１０４", "430104"),
        (430104, "430104"),
    ],
)
def test_normalize_accepted_forms(code: object, expected: str) -> None:
    assert divisions.normalize(code) == expected
    assert divisions.is_valid(code)
    found = divisions.get(code)
    assert found is not None and found.code == expected


@pytest.mark.parametrize(
    "code",
    [
        "",
        "   ",
        "1",
        "110",
        "11010",
        "1101011",
        "110101001001",  # a village: below our lowest level
        "1101010010001",
        "999999",
        "990000000000",
        "11a101",
        "١١٠١٠١",  # Arabic-Indic digits are digits to Python, not to us
        "110101; DROP TABLE regions",
        "0" * 10_000,
        True,
        1.5,
        -110101,
        pytest.param(10**5000, id="huge-int"),
        b"110101",
        ["110101"],
    ],
)
def test_invalid_codes(code: object) -> None:
    assert divisions.normalize(code) is None
    assert not divisions.is_valid(code)
    assert divisions.get(code) is None
    assert divisions.children(code) == []
    assert divisions.ancestors(code) == []


def test_none_is_no_code_but_children_of_none_are_the_provinces() -> None:
    assert divisions.normalize(None) is None and divisions.get(None) is None
    assert divisions.ancestors(None) == []
    assert {d.level for d in divisions.children(None)} == {DivisionLevel.PROVINCE}


def test_children() -> None:
    assert [d.code for d in divisions.children()][:3] == ["11", "12", "13"]
    assert len(divisions.children()) == 31
    changsha = [d.name for d in divisions.children("4301")]
    assert changsha[:3] == ["芙蓉区", "天心区", "岳麓区"] and "长沙县" in changsha
    assert all(d.parent_code == "430104" for d in divisions.children("430104"))
    assert divisions.children("430104001") == []


def test_ancestors() -> None:
    assert [d.code for d in divisions.ancestors("430104001")] == ["43", "4301", "430104"]
    assert [d.code for d in divisions.ancestors("430104000000")] == ["43", "4301"]
    assert divisions.ancestors("43") == []


def test_is_within() -> None:
    assert divisions.is_within("430104001", "43")
    assert divisions.is_within("430104", "430104")
    assert not divisions.is_within("43", "430104")
    assert not divisions.is_within("110105", "2201")
    assert not divisions.is_within("bogus", "43")


def test_search_exact_name() -> None:
    assert [d.code for d in divisions.search("朝阳区")] == ["110105", "220104"]
    assert len(divisions.search("鼓楼区")) == 4


def test_search_without_suffix_ranks_higher_levels_first() -> None:
    found = divisions.search("朝阳")
    codes = [d.code for d in found]
    assert codes[:4] == ["2113", "110105", "211321", "220104"]
    assert all(d.name.startswith("朝阳") for d in found)
    assert [d.code for d in divisions.search("朝阳", level=DivisionLevel.COUNTY)] == [
        "110105",
        "211321",
        "220104",
    ]


def test_search_filters_within_an_area() -> None:
    assert [d.code for d in divisions.search("朝阳", level="county", within="11")] == ["110105"]
    assert divisions.search("朝阳", within="bogus") == []


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("北京", "11"),
        ("广西", "45"),
        ("内蒙古", "15"),
        ("新疆", "65"),
        ("延边", "2224"),
        ("神农架", "429021"),
        ("浦东", "310115"),
        ("嶽麓區", "430104"),  # Traditional characters
        ("  岳麓区 ", "430104"),
        ("望城县", "430112"),  # renamed 望城区 in 2011: the suffix-less form still finds it
    ],
)
def test_search_aliases(name: str, code: str) -> None:
    assert divisions.search(name)[0].code == code


@pytest.mark.parametrize("name", ["", " ", "市辖区", "县", "区", "x" * 100_000, "\ud800", "\x00", None, 11])
def test_search_odd_input_finds_nothing(name: object) -> None:
    assert divisions.search(name) == []  # type: ignore[arg-type]


def test_simplify() -> None:
    assert divisions.simplify("長沙市嶽麓區") == "长沙市岳麓区"
    assert divisions.simplify("乾县") == "乾县"  # a correct Simplified place-name character stays
    assert divisions.simplify("ＡＢＣ１２３") == "ABC123"
    assert divisions.simplify("a\ud800b") == "a?b"
    assert divisions.simplify("") == ""


def test_stem() -> None:
    assert divisions.stem("延边朝鲜族自治州") == "延边"
    assert divisions.stem("双江拉祜族佤族布朗族傣族自治县") == "双江"
    assert divisions.stem("内蒙古自治区") == "内蒙古"
    assert divisions.stem("和县") is None
    assert divisions.stem("北京") is None


@settings(deadline=None)  # the first example may build the index
@given(st.text(max_size=30))
def test_lookups_never_raise(text: str) -> None:
    found = divisions.get(text)
    assert found is None or divisions.normalize(text) == found.code
    assert all(isinstance(d, divisions.Division) for d in divisions.search(text))


@settings(deadline=None)
@given(st.sampled_from(sorted(d.code for d in divisions.all_divisions())))
def test_every_code_round_trips_through_12_digits(code: str) -> None:
    d = divisions.get(code)
    assert d is not None
    padded = code.ljust(12, "0")
    # Padding is ambiguous only where a child's code is its parent's padded (441900 under 4419, and the
    # township 350527000 under county 350527).
    allowed = {code, d.parent_code, *(c.code for c in divisions.children(code))}
    assert divisions.normalize(padded) in allowed


def test_matches_shared_source_when_present() -> None:
    path = SHARED / "areas.csv"
    if not path.exists():
        pytest.skip(f"shared data not present at {path}")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2978
    for row in rows:
        d = divisions.get(row["code"])
        assert d is not None and d.name == row["name"] and d.parent_code == row["cityCode"]
