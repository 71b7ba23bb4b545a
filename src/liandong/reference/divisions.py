"""Administrative divisions (GB/T 2260 codes to county level, 9-digit statistical codes for townships).

The data is modood/Administrative-divisions-of-China (cut-off 2022-10-31, WTFPL) shipped in ``data/``.
The index is built once per process and never changes, so every lookup is a dict access.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from liandong.reference.enums import DivisionLevel

_DATA = Path(__file__).parent / "data"

# City-level rows that are statistical groupings, not places: 北京 1101 "市辖区", 重庆 5002 "县",
# 湖北 4290 "省直辖县级行政区划". They keep their codes (they are valid) but never appear in display names.
PLACEHOLDER_CITY_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})

_SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "民族乡",
    "街道",
    "地区",
    "林区",
    "新区",
    "苏木",
    "省",
    "市",
    "区",
    "县",
    "盟",
    "旗",
    "镇",
    "乡",
)
_SUFFIXES_BY_LAST: dict[str, tuple[str, ...]] = {}
for _suffix in _SUFFIXES:
    _SUFFIXES_BY_LAST[_suffix[-1]] = (*_SUFFIXES_BY_LAST.get(_suffix[-1], ()), _suffix)
# After these suffixes the stem usually ends with ethnic names (延边朝鲜族自治州 -> 延边).
_ETHNIC_SUFFIXES = frozenset({"自治区", "自治州", "自治县", "自治旗", "民族乡", "乡", "苏木"})
_ETHNIC_MULTI = (
    "柯尔克孜",
    "乌孜别克",
    "维吾尔",
    "哈萨克",
    "塔吉克",
    "俄罗斯",
    "鄂温克",
    "达斡尔",
    "鄂伦春",
    "塔塔尔",
    "蒙古",
    "布依",
    "朝鲜",
    "土家",
    "哈尼",
    "傈僳",
    "高山",
    "拉祜",
    "东乡",
    "纳西",
    "景颇",
    "仫佬",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "德昂",
    "保安",
    "裕固",
    "独龙",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
)
_ETHNIC_SINGLE = "回藏苗彝壮满侗瑶白傣黎佤畲水土羌怒京"
_ETHNIC_RE = re.compile(rf"(?:(?:{'|'.join(_ETHNIC_MULTI)})族?|[{_ETHNIC_SINGLE}]族)$")
_ASCII_DIGITS = re.compile(r"[0-9]{2,12}")
_LEVEL_RANK = {level: rank for rank, level in enumerate(DivisionLevel)}


@dataclass(frozen=True, slots=True)
class Division:
    """One administrative division; ``full_name`` is the display name (北京市东城区)."""

    code: str
    name: str
    level: DivisionLevel
    parent_code: str | None
    full_name: str
    placeholder: bool = False


def stem(name: str) -> str | None:
    """The name without its administrative suffix (朝阳区 -> 朝阳), or None when too short to be safe."""
    for suffix in _SUFFIXES_BY_LAST.get(name[-1:], ()):
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            if suffix in _ETHNIC_SUFFIXES:
                # Strip ethnic names one at a time, but never down to a single character (内蒙古 stays).
                while (match := _ETHNIC_RE.search(base)) and match.start() >= 2:
                    base = base[: match.start()]
            # One-character stems (和县 -> 和, 城区 -> 城) would match half of all Chinese text.
            return base if len(base) >= 2 else None
    return None


@dataclass(frozen=True, slots=True)
class _Index:
    by_code: MappingProxyType[str, Division]
    children: MappingProxyType[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class _Names:
    by_name: MappingProxyType[str, tuple[str, ...]]
    by_stem: MappingProxyType[str, tuple[str, ...]]
    chars: frozenset[str]


def _rows(filename: str) -> Iterator[list[str]]:
    """Data rows (header skipped): code, name, then parent codes from nearest to farthest."""
    path = _DATA / filename
    data = gzip.decompress(path.read_bytes()) if filename.endswith(".gz") else path.read_bytes()
    rows = csv.reader(io.StringIO(data.decode("utf-8")))
    next(rows, None)
    yield from rows


def _freeze(multi: dict[str, list[str]]) -> MappingProxyType[str, tuple[str, ...]]:
    return MappingProxyType({key: tuple(values) for key, values in multi.items()})


@lru_cache(maxsize=1)
def _index() -> _Index:
    raw: list[tuple[str, str, DivisionLevel, str | None]] = []
    # Columns: provinces code,name; cities +provinceCode; areas +cityCode; streets +areaCode first.
    raw += [(r[0], r[1], DivisionLevel.PROVINCE, None) for r in _rows("provinces.csv")]
    raw += [(r[0], r[1], DivisionLevel.CITY, r[2]) for r in _rows("cities.csv")]
    raw += [(r[0], r[1], DivisionLevel.COUNTY, r[2]) for r in _rows("areas.csv")]
    raw += [(r[0], r[1], DivisionLevel.TOWNSHIP, r[2]) for r in _rows("streets.csv.gz")]

    by_code: dict[str, Division] = {}
    children: dict[str, list[str]] = {}
    # Parents always precede children in ``raw``, so the parent's full name is ready.
    for code, name, level, parent_code in raw:
        parent = by_code.get(parent_code) if parent_code else None
        placeholder = level is DivisionLevel.CITY and name in PLACEHOLDER_CITY_NAMES
        if parent is None:
            full_name = name
        elif placeholder:
            full_name = parent.full_name
        elif parent.name == name:
            # 东莞市 (county 441900) under 东莞市 (city 4419): say it once.
            full_name = parent.full_name
        else:
            full_name = parent.full_name + name
        by_code[code] = Division(code, name, level, parent_code, full_name, placeholder)
        if parent_code:
            children.setdefault(parent_code, []).append(code)
    ordered = {parent: sorted(codes) for parent, codes in children.items()}
    return _Index(MappingProxyType(by_code), _freeze(ordered))


@lru_cache(maxsize=1)
def _names() -> _Names:
    # Built apart from the code index: code lookups should not pay for name matching.
    by_name: dict[str, list[str]] = {}
    by_stem: dict[str, list[str]] = {}
    for d in _index().by_code.values():
        if d.placeholder:
            continue
        by_name.setdefault(d.name, []).append(d.code)
        if (short := stem(d.name)) is not None:
            by_stem.setdefault(short, []).append(d.code)
    return _Names(_freeze(by_name), _freeze(by_stem), frozenset("".join(by_name)))


def load(*, names: bool = True) -> None:
    """Build the index (and the name tables) now; they are otherwise built on first use."""
    _index()
    if names:
        _names()


def name_tables() -> tuple[Mapping[str, tuple[str, ...]], Mapping[str, tuple[str, ...]]]:
    """The exact-name and suffix-less-name tables (name -> codes, placeholders left out), for matching."""
    names = _names()
    return names.by_name, names.by_stem


def normalize(code: Any) -> str | None:
    """The canonical code of a known division, or None.

    Accepts 2/4/6/9/12-digit codes, full-width digits and surrounding blanks; 6- and 12-digit codes padded
    with zeros (110100, 110101000000) map to the division they denote.
    """
    if isinstance(code, bool) or not isinstance(code, str | int):
        return None
    if isinstance(code, int) and not 0 < code < 10**12:
        return None  # also keeps huge ints away from str(), which refuses past 4300 digits
    if isinstance(code, str) and len(code) > 64:
        return None
    digits = unicodedata.normalize("NFKC", str(code)).strip()
    if len(digits) > 12 or not _ASCII_DIGITS.fullmatch(digits):
        return None
    known = _index().by_code

    def six(d: str) -> list[str]:
        return [d] + ([d[:4]] if d[4:] == "00" else []) + ([d[:2]] if d[2:] == "0000" else [])

    options: list[str]
    if len(digits) in (2, 4):
        options = [digits]
    elif len(digits) == 6:
        options = six(digits)
    elif len(digits) == 9:
        options = [digits] + (six(digits[:6]) if digits[6:] == "000" else [])
    elif len(digits) == 12 and digits[9:] == "000":
        # Statistical codes: a zero township part means the county (or higher) itself.
        options = six(digits[:6]) if digits[6:9] == "000" else [digits[:9]]
    else:
        options = []
    return next((option for option in options if option in known), None)


def get(code: Any) -> Division | None:
    """The division for any accepted form of its code, or None."""
    canonical = normalize(code)
    return _index().by_code[canonical] if canonical is not None else None


def is_valid(code: Any) -> bool:
    """Whether the code (in any accepted form) names a known division."""
    return normalize(code) is not None


def all_divisions() -> Iterable[Division]:
    """Every division, parents before children."""
    return _index().by_code.values()


def children(code: Any = None) -> list[Division]:
    """Direct children ordered by code; provinces when code is None; empty for unknown codes."""
    index = _index()
    if code is None:
        return [d for d in index.by_code.values() if d.level is DivisionLevel.PROVINCE]
    canonical = normalize(code)
    if canonical is None:
        return []
    return [index.by_code[c] for c in index.children.get(canonical, ())]


def ancestors(code: Any) -> list[Division]:
    """Ancestors from the province down to the parent (placeholders included); empty for unknown codes."""
    index = _index()
    found: list[Division] = []
    current = get(code)
    while current is not None and current.parent_code is not None:
        current = index.by_code[current.parent_code]
        found.append(current)
    return found[::-1]


def is_within(code: Any, ancestor: Any) -> bool:
    """Whether ``code`` is ``ancestor`` or lies inside it."""
    canonical, outer = normalize(code), normalize(ancestor)
    if canonical is None or outer is None:
        return False
    return canonical == outer or any(a.code == outer for a in ancestors(canonical))


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc  # only needed when text is searched: keep it off the import path

    return opencc.OpenCC("t2s")


def simplify(text: str) -> str:
    """NFKC-normalised, Simplified-Chinese form of the text (繁體 and full-width forms fold)."""
    # Lone surrogates cannot cross into the C++ converter; they become "?".
    safe = unicodedata.normalize("NFKC", text.encode("utf-8", "replace").decode("utf-8"))
    converted = str(_t2s().convert(safe))
    if len(converted) != len(safe):
        return converted
    # t2s also rewrites characters that are correct Simplified in place names (乾县 -> 干县): keep those.
    keep = _names().chars
    return "".join(o if o in keep else c for o, c in zip(safe, converted, strict=True))


def search(name: str, *, level: DivisionLevel | str | None = None, within: Any = None) -> list[Division]:
    """Divisions named ``name``: exact names, else names without the suffix (朝阳 -> 朝阳区/县/市).

    ``level`` keeps one level; ``within`` keeps divisions inside that code. Unknown filters give no results.
    """
    if not isinstance(name, str):
        return []
    query = simplify(name).strip()[:64]
    if not query:
        return []
    names = _names()
    codes = names.by_name.get(query, ())
    if not codes:
        short = stem(query)
        codes = names.by_stem.get(query, ()) + (names.by_stem.get(short, ()) if short else ())
    found = [_index().by_code[c] for c in dict.fromkeys(codes)]
    if level is not None:
        found = [d for d in found if d.level == level]
    if within is not None:
        found = [d for d in found if is_within(d.code, within)]
    return sorted(found, key=lambda d: (_LEVEL_RANK[d.level], d.code))
