"""Unified social credit codes (统一社会信用代码, GB 32100-2015): structure and check digit."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# The code alphabet: digits and capitals without I, O, Z, S, V (too easily misread).
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3**i mod 31

# Registration authority (登记管理部门) -> the organisation types (机构类别) it may issue, per the GB 32100
# code table as extended by the national credit-code centre.
AUTHORITY_TYPES: dict[str, str] = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 群众团体, 其他
    "2": "19",  # 外交: 外国常驻新闻机构, 其他
    "3": "123459",  # 司法行政: 律所, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "4": "19",  # 文化: 外国在华文化中心, 其他
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",  # 旅游: 外国/港澳台旅游部门常驻代表机构, 其他
    "7": "129",  # 宗教: 宗教活动场所, 宗教院校, 其他
    "8": "19",  # 工会: 基层工会, 其他
    "9": "123",  # 工商/市场监管: 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室: 军队事业单位, 其他
    "N": "1239",  # 农业农村: 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": "1",  # 其他
}
_REGION = re.compile(r"[0-9]{6}")


class InvalidUSCC(ValueError):
    """A string that is not a valid unified social credit code; the message says why."""


def compute_check_digit(first17: str) -> str:
    """The 18th character for the first 17 (raises InvalidUSCC on bad length or characters)."""
    if not isinstance(first17, str) or len(first17) != 17:
        raise InvalidUSCC("the check digit needs exactly 17 characters")
    bad = [ch for ch in first17 if ch not in _VALUE]
    if bad:
        raise InvalidUSCC(f"characters not allowed in a credit code: {''.join(dict.fromkeys(bad))!r}")
    total = sum(_VALUE[ch] * weight for ch, weight in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize(code: Any) -> str:
    """Canonical form: blanks removed, full-width folded, upper case; raises InvalidUSCC if still invalid."""
    if not isinstance(code, str):
        raise InvalidUSCC("a credit code must be text")
    canonical = re.sub(r"\s+", "", unicodedata.normalize("NFKC", code[:64])).upper()
    validate(canonical)
    return canonical


def validate(code: Any) -> None:
    """Raise InvalidUSCC with the first problem found; the code must already be canonical (see normalize)."""
    if not isinstance(code, str):
        raise InvalidUSCC("a credit code must be text")
    if len(code) != 18:
        raise InvalidUSCC(f"a credit code has 18 characters, got {len(code)}")
    bad = [ch for ch in code if ch not in _VALUE]
    if bad:
        shown = "".join(dict.fromkeys(bad))
        hint = " (lower case: use upper case)" if any(ch.upper() in _VALUE for ch in bad) else ""
        raise InvalidUSCC(f"characters not allowed in a credit code (no I, O, Z, S, V): {shown!r}{hint}")
    authority, kind = code[0], code[1]
    if authority not in AUTHORITY_TYPES:
        raise InvalidUSCC(f"unknown registration authority code {authority!r}")
    if kind not in AUTHORITY_TYPES[authority]:
        raise InvalidUSCC(f"organisation type {kind!r} is not issued by registration authority {authority!r}")
    if not _REGION.fullmatch(code[2:8]):
        raise InvalidUSCC(f"characters 3-8 must be a 6-digit division code, got {code[2:8]!r}")
    expected = compute_check_digit(code[:17])
    if code[17] != expected:
        raise InvalidUSCC(f"wrong check digit {code[17]!r}, expected {expected!r}")


def is_valid(code: Any) -> bool:
    """Whether the code is a valid canonical credit code."""
    try:
        validate(code)
    except InvalidUSCC:
        return False
    return True
