"""Unified social credit code validation (GB 32100-2015)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liandong.reference import uscc
from liandong.reference.uscc import ALPHABET, AUTHORITY_TYPES, InvalidUSCC

# Published codes of well-known organisations (business licences and annual reports).
REAL_CODES = [
    "91350100M000100Y43",  # the GB 32100 worked example
    "914403001922038216",  # 华为技术有限公司
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "91330100799655058B",  # 阿里巴巴(中国)有限公司
    "91110108551385082Q",  # 北京小米科技有限责任公司
    "91110000710925462X",  # 中国石油天然气股份有限公司
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code: str) -> None:
    uscc.validate(code)
    assert uscc.is_valid(code)
    assert uscc.compute_check_digit(code[:17]) == code[17]


def test_worked_example_check_digit() -> None:
    assert uscc.compute_check_digit("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("", "18 characters, got 0"),
        ("91350100M000100Y4", "got 17"),
        ("91350100M000100Y433", "got 19"),
        ("9135010OM000100Y43", "'O'"),
        ("91350100I000100Y43", "'I'"),
        ("91350100M000100Z43", "'Z'"),
        ("91350100S000100V43", "'SV'"),
        ("91350100m000100y43", "lower case"),
        ("91350100M00010-Y43", "'-'"),
        ("91350100M000100Y4\x00", "'\\x00'"),
        ("B1350100M000100Y43", "registration authority code 'B'"),
        ("96350100M000100Y43", "type '6'"),
        ("9135A100M000100Y43", "6-digit division code"),
        ("91350100M000100Y44", "wrong check digit '4', expected '3'"),
    ],
)
def test_invalid_codes_say_why(code: str, reason: str) -> None:
    with pytest.raises(InvalidUSCC) as caught:
        uscc.validate(code)
    assert reason in str(caught.value)
    assert not uscc.is_valid(code)


@pytest.mark.parametrize("value", [None, 91350100, b"91350100M000100Y43", ["91350100M000100Y43"]])
def test_non_text_is_invalid(value: object) -> None:
    assert not uscc.is_valid(value)
    with pytest.raises(InvalidUSCC, match="must be text"):
        uscc.validate(value)
    with pytest.raises(InvalidUSCC):
        uscc.normalize(value)


def test_invalid_uscc_is_a_value_error() -> None:
    assert issubclass(InvalidUSCC, ValueError)


def test_normalize_folds_case_blanks_and_full_width() -> None:
    assert uscc.normalize(" 91350100m000100y43\n") == "91350100M000100Y43"
    assert uscc.normalize("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"
    assert uscc.normalize("9135 0100 M000 100Y 43") == "91350100M000100Y43"


def test_normalize_rejects_what_stays_invalid() -> None:
    with pytest.raises(InvalidUSCC, match="check digit"):
        uscc.normalize("91350100m000100y44")
    with pytest.raises(InvalidUSCC, match="18 characters"):
        uscc.normalize("9" * 10_000)


@pytest.mark.parametrize("first17", ["", "1234", "91350100M000100Y43", "91350100M000100y4"])
def test_compute_check_digit_rejects_bad_bases(first17: str) -> None:
    with pytest.raises(InvalidUSCC):
        uscc.compute_check_digit(first17)


_PAIRS = [(a, k) for a, kinds in AUTHORITY_TYPES.items() for k in kinds]
_bases = st.builds(
    lambda pair, region, body: pair[0] + pair[1] + region + body,
    st.sampled_from(_PAIRS),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
)


@given(_bases)
def test_any_base_with_its_check_digit_validates(base: str) -> None:
    code = base + uscc.compute_check_digit(base)
    uscc.validate(code)
    assert uscc.is_valid(code)


@given(_bases, st.integers(min_value=0, max_value=17), st.sampled_from(ALPHABET + "IOZSVa-"))
def test_any_single_character_change_fails(base: str, position: int, replacement: str) -> None:
    code = base + uscc.compute_check_digit(base)
    if code[position] == replacement:
        replacement = ALPHABET[(ALPHABET.index(replacement) + 1) % len(ALPHABET)]
    changed = code[:position] + replacement + code[position + 1 :]
    assert not uscc.is_valid(changed)


@given(st.text(max_size=40))
def test_arbitrary_text_never_raises_anything_else(text: str) -> None:
    try:
        uscc.validate(text)
    except InvalidUSCC:
        return
    assert len(text) == 18
