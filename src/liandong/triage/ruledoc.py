"""The 事项清单's document: rules, guidance, thresholds and clause markers, validated (the matching is `ruleset`)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from liandong.triage.enums import Domain, Platform

_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
_MAX_KEYWORDS = 2000


class RuleSetError(ValueError):
    """A rule file is malformed; the message names the file, rule and field."""


class Rule(BaseModel):
    """One scope item: words or patterns that send a request to a platform."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    platform: Platform
    title: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=500)
    keywords: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    emergency: bool = False
    weight: float = Field(default=1.0, ge=0.0, le=10.0)
    domain: Domain | None = None
    # Evidence that the text is a written petition to the government, weighed against police evidence.
    dampens: bool = False
    # At least one of these must also be in the text for the rule to fire (co-occurrence cuts false alarms).
    context: tuple[str, ...] = ()
    # A hit preceded (within 4 chars) or followed (within 3 chars) by one of these does not count:
    # "防溺水", "火灾隐患", "一旦发生火灾" talk about a hazard, not an event happening now.
    suppress_before: tuple[str, ...] = ()
    suppress_after: tuple[str, ...] = ()
    # False: the document's not-now markers do not apply (threats are conditional by nature: 不给钱就跳楼).
    not_now: bool = True

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _RULE_ID.match(value):
            raise ValueError("id must be 2-64 chars of a-z 0-9 _ . - starting with a letter or digit")
        return value

    @field_validator("keywords", "context", "suppress_before", "suppress_after")
    @classmethod
    def _check_words(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(value) > _MAX_KEYWORDS:
            raise ValueError(f"at most {_MAX_KEYWORDS} entries")
        words = tuple(w.strip() for w in value)
        if any(not w or len(w) > 50 for w in words):
            raise ValueError("entries must be non-empty strings of at most 50 characters")
        return words

    @field_validator("patterns")
    @classmethod
    def _check_patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            if len(pattern) > 300:
                raise ValueError("a pattern may be at most 300 characters")
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
        return value


class Guidance(BaseModel):
    """Where to send a caller whose matter is outside 12345 and 110 (policy 二(二)1: 合理引导)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=200)
    number: str | None = Field(default=None, max_length=40)
    channel: str = Field(min_length=1, max_length=300)
    keywords: tuple[str, ...] = ()
    weight: float = Field(default=2.0, ge=0.0, le=10.0)

    _check_id = field_validator("id")(Rule._check_id.__func__)  # type: ignore[attr-defined]
    _check_words = field_validator("keywords")(Rule._check_words.__func__)  # type: ignore[attr-defined]


class RuleFile(BaseModel):
    """The whole document: version, thresholds, rules, guidance and the category -> domain map."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1, max_length=64)
    emergency_threshold: float = Field(default=4.0, gt=0.0, le=100.0)
    police_threshold: float = Field(default=2.0, gt=0.0, le=100.0)
    hotline_damping: float = Field(default=0.5, ge=0.0, le=100.0)
    strong_evidence: float = Field(default=10.0, gt=0.0, le=1000.0)
    utility_threshold: float = Field(default=2.0, gt=0.0, le=100.0)
    out_of_scope_threshold: float = Field(default=2.0, gt=0.0, le=100.0)
    # Markers that the danger or crime a hit names is not happening now: earlier in the same clause
    # (hypothetical 如果/一旦, comparison 简直/无异于, written habit 多起, experience 发生过) or later in it
    # (都有可能, 有什么区别). They cancel hits of every rule outside 12345, within not_now_window characters.
    not_now_before: tuple[str, ...] = ()
    not_now_after: tuple[str, ...] = ()
    not_now_window: int = Field(default=30, ge=1, le=200)
    # Words or patterns dating the event named in the same clause to the past (当时, 那天, 去年, 2018年5月3日).
    # A hit whose every clause is so dated is marked past: the engine does not count it as danger now when
    # the text is a written appeal (petition evidence >= past_petition); a caller's report has none.
    past_before: tuple[str, ...] = ()
    past_after: tuple[str, ...] = ()
    past_patterns: tuple[str, ...] = ()
    # The petition evidence (rules marked dampens) from which a text counts as a written appeal for that purpose.
    past_petition: float = Field(default=4.0, ge=0.0, le=100.0)
    # Markers that the danger an emergency rule names is happening now: in the hit's clause (正在, 此刻, 刚刚) or,
    # for a call for help (快来, 救命), anywhere in the text. Petition evidence never outweighs such a hit: a
    # polite caller in danger ("您好，请问现在有人在砍人怎么办") is still an emergency.
    now_before: tuple[str, ...] = ()
    now_after: tuple[str, ...] = ()
    call_for_help: tuple[str, ...] = ()
    # A written appeal longer than this many characters is a narration: its danger words pile up over the story,
    # so reaching strong_evidence does not by itself outweigh its appeal words (danger marked now still does).
    # None: strong evidence always outweighs them (rules before 2024.6).
    narration_chars: int | None = Field(default=None, ge=0, le=1_000_000)
    # Words of a request made of a field (经常, 希望, 建议, 多少钱...): with them, a short text's field words hold back
    # weak danger words from 119/120 as in a written appeal; without them, a caller's "小区楼道里冒浓烟" keeps 119.
    field_request_cues: tuple[str, ...] = ()
    category_domains: dict[str, Domain] = Field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    guidance: tuple[Guidance, ...] = ()

    _check_not_now = field_validator(
        "not_now_before",
        "not_now_after",
        "past_before",
        "past_after",
        "now_before",
        "now_after",
        "call_for_help",
        "field_request_cues",
    )(
        Rule._check_words.__func__  # type: ignore[attr-defined]
    )
    _check_past_patterns = field_validator("past_patterns")(
        Rule._check_patterns.__func__  # type: ignore[attr-defined]
    )
