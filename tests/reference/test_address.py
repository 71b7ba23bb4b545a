"""Address resolution against the divisions index, and place extraction from free text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liandong.reference import address, divisions
from liandong.reference.address import AddressResolution, find_locations, resolve
from liandong.reference.enums import DivisionLevel


def _codes(result: AddressResolution) -> list[str]:
    return [d.code for d in result.candidates]


def test_full_address() -> None:
    r = resolve("湖南省长沙市岳麓区麓山南路932号")
    assert (r.adcode, r.level, r.ambiguous) == ("430104", DivisionLevel.COUNTY, False)
    assert (r.province, r.province_code, r.city, r.city_code) == ("湖南省", "43", "长沙市", "4301")
    assert (r.county, r.county_code, r.township, r.township_code) == ("岳麓区", "430104", None, None)
    assert r.matched_text == "湖南省长沙市岳麓区"
    assert r.candidates == []


def test_resolution_serialises_for_the_api() -> None:
    dumped = resolve("朝阳区").model_dump(mode="json")
    assert dumped["ambiguous"] is True and dumped["adcode"] is None
    assert dumped["candidates"][0] == {
        "code": "110105",
        "name": "朝阳区",
        "level": "county",
        "parent_code": "1101",
        "full_name": "北京市朝阳区",
        "placeholder": False,
    }
    assert resolve("岳麓区").model_dump(mode="json")["level"] == "county"


def test_ambiguous_district_is_reported_not_guessed() -> None:
    r = resolve("朝阳区")
    assert r.ambiguous and r.adcode is None and r.level is None
    assert _codes(r) == ["110105", "220104"]
    assert r.matched_text == "朝阳区"


def test_gulou_has_four_candidates() -> None:
    r = resolve("鼓楼区人民路")
    assert r.ambiguous and r.adcode is None
    assert _codes(r) == ["320106", "320302", "350102", "410204"]


def test_candidates_in_one_province_give_the_province() -> None:
    r = resolve("鼓楼区", context_adcode="bogus")
    assert r.ambiguous
    # Nanjing and Xuzhou are both in Jiangsu, but Fuzhou and Kaifeng are not: no common code.
    assert r.adcode is None
    jilin = resolve("吉林")
    assert jilin.ambiguous and jilin.adcode == "22" and _codes(jilin) == ["22", "2202"]


@pytest.mark.parametrize(
    ("text", "context", "expected"),
    [
        ("岳麓区", "4301", "430104"),
        ("岳麓区", "430102", "430104"),
        ("鼓楼区", "3201", "320106"),
        ("鼓楼区", "320106", "320106"),
        ("鼓楼区", "3203", "320302"),
        ("鼓楼区", "35", "350102"),
        ("朝阳区", "1101", "110105"),
        ("朝阳区", "110000000000", "110105"),
        ("朝阳区", "2201", "220104"),
        ("朝阳区", "220102", "220104"),  # a county context widens to its city
    ],
)
def test_context_disambiguates(text: str, context: str, expected: str) -> None:
    r = resolve(text, context_adcode=context)
    assert (r.adcode, r.ambiguous, r.candidates) == (expected, False, [])


def test_context_outside_every_candidate_keeps_the_ambiguity() -> None:
    r = resolve("鼓楼区", context_adcode="4301")
    assert r.ambiguous and len(r.candidates) == 4


def test_context_never_overrides_an_unambiguous_address() -> None:
    r = resolve("北京市朝阳区", context_adcode="2201")
    assert r.adcode == "110105" and not r.ambiguous


@pytest.mark.parametrize("context", ["", "bogus", "99", "x" * 10_000, "110101001001"])
def test_bad_context_is_ignored(context: str) -> None:
    r = resolve("朝阳区", context_adcode=context)
    assert r.ambiguous and _codes(r) == ["110105", "220104"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("北京朝阳区", "110105"),
        ("北京市东城区", "110101"),
        ("湖南 长沙 岳麓区", "430104"),
        ("湖南，长沙，岳麓区", "430104"),
        ("岳麓区，长沙市", "430104"),
        ("湖北省仙桃市", "429004"),
        ("重庆市城口县", "500229"),
        ("广东中山", "442000"),
        ("东莞市", "441900"),
        ("延边州", "2224"),
        ("望城县", "430112"),  # old name of 望城区
        ("長沙市嶽麓區", "430104"),
        ("长沙市芙蓉区", "430102"),
        ("ＮＯ．１　湖南省长沙市", "4301"),
        ("陕西省咸阳市乾县", "610424"),  # 乾 is Simplified here: t2s must not make it 干
        ("吉林省松原市乾安县", "220723"),
        ("重庆长寿", "500115"),
        ("宜章", "431022"),
        ("济南市中区", "370103"),  # 济南 + 市中区, not 济南市 + 中区
        ("青岛市南区", "370202"),
        ("济南市中心", "3701"),
        ("石家庄桥西区", "130104"),  # 桥 starts the next name here
        ("阿坝阿坝县", "513231"),  # not 阿坝镇 inside it
    ],
)
def test_resolves(text: str, code: str) -> None:
    r = resolve(text)
    assert (r.adcode, r.ambiguous) == (code, False)


def test_municipality_city_fields() -> None:
    r = resolve("北京市东城区")
    assert (r.province, r.city, r.city_code, r.county) == ("北京市", "北京市", "1101", "东城区")
    xiantao = resolve("湖北省仙桃市")
    assert (xiantao.city, xiantao.city_code, xiantao.county) == (None, "4290", "仙桃市")


def test_township_within_resolved_county() -> None:
    r = resolve("我住在岳麓区望月湖街道12栋")
    assert (r.adcode, r.level, r.township, r.county_code) == (
        "430104001",
        DivisionLevel.TOWNSHIP,
        "望月湖街道",
        "430104",
    )
    assert r.matched_text == "岳麓区望月湖街道"


def test_township_settles_an_ambiguous_county() -> None:
    code = next(d.code for d in divisions.children("110105") if d.name.endswith("街道"))
    name = divisions.get(code).name  # type: ignore[union-attr]
    r = resolve(f"朝阳区{name}")
    assert (r.adcode, r.ambiguous) == (code, False)


def test_township_alone_when_unique() -> None:
    r = resolve("望月湖街道")
    assert r.adcode == "430104001" and not r.ambiguous


def test_common_township_name_is_ambiguous_and_narrowed_by_context() -> None:
    r = resolve("城关镇")
    assert r.ambiguous and r.adcode is None
    assert 1 < len(r.candidates) <= address.MAX_CANDIDATES
    assert all(d.level is DivisionLevel.TOWNSHIP and d.name == "城关镇" for d in r.candidates)
    wuqing = resolve("城关镇", context_adcode="1201")
    assert wuqing.adcode == "120114110" and not wuqing.ambiguous


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("江苏省南通市海门区经济技术开发区", "320614400"),  # its name repeats 南通市海门区
        ("甘肃省张掖市甘州区张掖经济技术开发区", "620702402"),
        ("河南省焦作市博爱县寨豁乡", "410822200"),  # the data calls it 博爱县寨豁乡
        ("内蒙古锡林郭勒盟多伦县多伦诺尔镇", "152531101"),
        ("江苏省扬州市高邮市经济开发区（马棚街道）", "321084406"),
        ("上海市静安区江宁路街道", "310106006"),  # 江宁 (南京) and the alias 路街道 must not split it
        ("新疆维吾尔自治区克拉玛依市白碱滩区金龙镇街道", "650204003"),
    ],
)
def test_township_names_with_area_prefixes_or_brackets(text: str, code: str) -> None:
    assert resolve(text + "人民路88号").adcode == code


def test_street_named_like_a_township_is_not_one() -> None:
    # 人民路街道 exists in several cities; 人民路 alone is a street.
    assert resolve("河北省邯郸市丛台区人民路88号").adcode == "130403"


@pytest.mark.parametrize("text", ["比如说我家楼下", "公安局来了", "和平", "在光明的地方", "长寿"])
def test_everyday_words_that_are_also_county_stems(text: str) -> None:
    r = resolve(text)
    assert (r.adcode, r.ambiguous) == (None, False)


def test_everyday_word_stem_next_to_a_place_counts() -> None:
    assert resolve("深圳光明").adcode == "440311"


def test_township_of_another_county_is_not_taken() -> None:
    r = resolve("北京市东城区望月湖街道")
    assert r.adcode == "110101" and r.township is None


@pytest.mark.parametrize(
    "text",
    [
        "长沙市北京路",  # a street named after a city is not that city
        "长沙市中山路",
        "长沙市南京东路",
    ],
)
def test_street_names_are_not_places(text: str) -> None:
    r = resolve(text)
    assert (r.adcode, r.ambiguous) == ("4301", False)


def test_contradicting_name_ends_the_chain() -> None:
    r = resolve("北京市岳麓区")
    assert (r.adcode, r.matched_text) == ("11", "北京市")


@pytest.mark.parametrize(
    "text",
    [
        "中山路",
        "北京大学",
        "住在朝阳门附近的城关镇路口",
        "hello world",
        "12345",
        "台北市信义区",
        "Main St, Springfield",
    ],
)
def test_no_confident_place(text: str) -> None:
    r = resolve(text)
    assert r.adcode is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\x00\x01\x02",
        "\ud800\udfff湖南",
        "'; DROP TABLE regions; --",
        "<script>alert(1)</script>长沙市",
        "${jndi:ldap://x}",
        "\u202e区麓岳市沙长",
        "😀" * 1000,
        "区" * 50_000,
        "长沙市" + "啊" * 50_000,
        None,
        12345,
        b"\xe9\x95\xbf\xe6\xb2\x99",
    ],
)
def test_hostile_or_odd_input_never_raises(text: object) -> None:
    r = resolve(text, context_adcode="4301")
    assert isinstance(r, AddressResolution)
    assert r.adcode is None or divisions.is_valid(r.adcode)


def test_only_the_start_of_a_long_text_is_scanned() -> None:
    r = resolve("啊" * (address.MAX_RESOLVE_CHARS + 10) + "长沙市岳麓区")
    assert r.adcode is None
    r = resolve("长沙市岳麓区" + "啊" * 50_000)
    assert r.adcode == "430104"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.one_of(st.none(), st.text(max_size=14)))
def test_resolve_invariants(text: str, context: str | None) -> None:
    r = resolve(text, context_adcode=context)
    if r.adcode is not None:
        assert divisions.is_valid(r.adcode) and r.level is not None
    if r.ambiguous:
        assert len(r.candidates) > 1
        assert r.adcode is None or all(divisions.is_within(d.code, r.adcode) for d in r.candidates)
    else:
        assert r.candidates == []
    assert (r.matched_text is None) == (r.adcode is None and not r.ambiguous)


_places = st.sampled_from(["湖南省长沙市岳麓区", "北京市东城区", "广东省东莞市", "湖北省仙桃市"])


@settings(max_examples=100, deadline=None)
@given(_places, st.text(alphabet="号栋单元室楼0123456789ABCabc ", max_size=20))
def test_a_known_place_with_any_house_number_resolves(place: str, rest: str) -> None:
    expected = resolve(place).adcode
    assert expected is not None
    assert resolve(place + rest).adcode == expected


def test_find_locations_joins_adjacent_places() -> None:
    text = "我住在长沙市岳麓区望月湖街道，昨天去了北京朝阳区，楼下有人吵架，美国也有。在麓山南路932号附近"
    places = find_locations(text)
    assert places[:2] == ["长沙市岳麓区望月湖街道", "北京朝阳区"]
    assert "麓山南路932号" in places
    assert resolve(places[0]).adcode == "430104001"


def test_find_locations_without_the_tagger(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(address, "_lac", lambda: None)
    places = find_locations("我住在长沙市岳麓区望月湖街道，昨天去了北京朝阳区，楼下有人吵架")
    assert places == ["长沙市岳麓区望月湖街道", "北京朝阳区"]


def test_find_locations_traditional_chinese() -> None:
    assert "長沙市嶽麓區" not in find_locations("我住在長沙市嶽麓區")
    assert "长沙市岳麓区" in find_locations("我住在長沙市嶽麓區")


@pytest.mark.parametrize(
    "text",
    ["", " ", None, 42, "no places here at all", "\x00\ud800", "区" * 50_000, ("长沙市岳麓区。" * 10_000)],
)
def test_find_locations_odd_input(text: object) -> None:
    places = find_locations(text)
    assert isinstance(places, list) and all(isinstance(p, str) and len(p) >= 2 for p in places)


def test_find_locations_caps_the_scanned_length() -> None:
    text = "啊" * address.MAX_FIND_CHARS + "长沙市岳麓区"
    assert find_locations(text) == []


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=300))
def test_find_locations_returns_substrings_of_the_simplified_text(text: str) -> None:
    simplified = divisions.simplify(text)
    for place in find_locations(text):
        assert place in simplified
