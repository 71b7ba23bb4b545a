"""Bad or odd input: a valid decision or a clear error, never a crash."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liandong.triage import Decision, EmptyText, Platform, Triager, normalize


@pytest.mark.parametrize("text", ["", "   ", "。。。！！！", "???", "\n\t", "……——", "\x00\x00"])
def test_empty_or_punctuation_only_is_uncertain(triager: Triager, text: str) -> None:
    d = triager.triage(text)
    assert d.uncertain
    assert d.category is None
    assert d.reasons[0].rule == "empty-text"
    with pytest.raises(EmptyText):
        triager.triage(text, strict=True)


def test_fifty_thousand_characters(triager: Triager) -> None:
    text = "小区物业乱收费。" * 6300 + "楼道里着火了"
    assert len(text) > 50_000
    d = triager.triage(text)
    # Rules scan the whole text: the fire at the very end is still found.
    assert d.emergency and d.platform == Platform.FIRE_119


def test_beyond_the_hard_limit_is_truncated_with_a_reason(triager: Triager) -> None:
    d = triager.triage("a" * 250_000)
    assert any(r.rule == "truncated" for r in d.reasons)


def test_traditional_and_fullwidth_are_normalised() -> None:
    assert normalize("電話號碼ＡＢＣ１２３　　好") == "电话号码ABC123 好"


def test_traditional_request_is_classified_like_simplified(triager: Triager) -> None:
    simp = triager.triage("学校食堂饭菜质量差，学生吃了拉肚子")
    trad = triager.triage("學校食堂飯菜質量差，學生吃了拉肚子")
    assert trad.category == simp.category
    assert trad.platform == simp.platform


def test_english_gets_a_valid_decision(triager: Triager) -> None:
    d = triager.triage("Hello, I would like to ask about my social insurance card.")
    assert d.platform == Platform.HOTLINE_12345
    assert not d.emergency


def test_phone_and_id_numbers_do_not_confuse(triager: Triager) -> None:
    d = triager.triage("我的电话13812345678，身份证430102199001011234，请问社保怎么转移？")
    assert d.platform == Platform.HOTLINE_12345
    assert not d.emergency


def test_non_string_input_in_a_batch(triager: Triager) -> None:
    decisions = triager.triage_many(["我家着火了", None, 12345, ""])  # type: ignore[list-item]
    assert decisions[0].platform == Platform.FIRE_119
    assert decisions[1].uncertain and decisions[3].uncertain
    assert len(decisions) == 4


def test_non_string_to_normalize_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        normalize(123)  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_string_gives_a_valid_decision(triager: Triager, text: str) -> None:
    d = triager.triage(text)
    assert isinstance(d, Decision)
    assert 0.0 <= d.confidence <= 1.0
    assert d.platform in set(Platform)
    Decision.model_validate_json(d.model_dump_json())
