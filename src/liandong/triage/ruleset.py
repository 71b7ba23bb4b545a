"""The 事项清单 (scope item list): versioned YAML rules, validated, hashed, editable at run time."""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from liandong.triage.enums import Domain, Platform
from liandong.triage.wordregex import trie_source

_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
_MAX_KEYWORDS = 2000
# Characters that end a clause: the not-now markers reach no further (a caller's "如果再不来就出人命了，有人拿刀砍人"
# keeps its emergency).
_CLAUSE_END = re.compile(r"[。！？!?；;\n,，]")


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
    category_domains: dict[str, Domain] = Field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    guidance: tuple[Guidance, ...] = ()

    _check_not_now = field_validator("not_now_before", "not_now_after")(
        Rule._check_words.__func__  # type: ignore[attr-defined]
    )


@dataclass(frozen=True)
class Hit:
    """One rule that fired, with the words that made it fire."""

    rule_id: str
    platform: Platform
    emergency: bool
    weight: float
    words: tuple[str, ...]
    detail: str
    dampens: bool = False


def _alternation(words: Iterable[str], patterns: Iterable[str] = ()) -> re.Pattern[str] | None:
    # Words first (longest match at a position wins), then the patterns, as one compiled pattern per rule.
    words = set(words)
    parts = ([trie_source(words)] if words else []) + [f"(?:{p})" for p in patterns]
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    matcher: re.Pattern[str] | None
    context: re.Pattern[str] | None
    before: re.Pattern[str] | None
    after: re.Pattern[str] | None
    # First two characters (lower-cased) of every keyword: a rule none of whose bigrams is in the text cannot
    # fire, so its scan is skipped. None (always scan) when the rule has patterns or one-character keywords.
    gate: frozenset[str] | None = None


def _gate(rule: Rule) -> frozenset[str] | None:
    if rule.patterns or any(len(w) < 2 for w in rule.keywords):
        return None
    return frozenset(w[:2].lower() for w in rule.keywords)


def _bigrams(text: str) -> set[str]:
    low = text.lower()
    return {low[i : i + 2] for i in range(len(low) - 1)}


@dataclass(frozen=True)
class RuleSet:
    """A validated, immutable rule document with its content hash; build new ones to change it."""

    document: RuleFile
    _compiled: tuple[_Compiled, ...] = field(repr=False, compare=False, default=())
    _guidance: tuple[tuple[Guidance, re.Pattern[str] | None], ...] = field(
        repr=False, compare=False, default=()
    )
    _hash: str = field(repr=False, compare=False, default="")
    _not_now_before: re.Pattern[str] | None = field(repr=False, compare=False, default=None)
    _not_now_after: re.Pattern[str] | None = field(repr=False, compare=False, default=None)

    @classmethod
    def from_document(cls, document: RuleFile) -> RuleSet:
        """Compile a validated document, refusing duplicate ids."""
        seen: set[str] = set()
        for item_id in [r.id for r in document.rules] + [g.id for g in document.guidance]:
            if item_id in seen:
                raise RuleSetError(f"duplicate rule id {item_id!r}")
            seen.add(item_id)
        compiled = tuple(
            _Compiled(
                rule=r,
                matcher=_alternation(r.keywords, r.patterns),
                context=_alternation(r.context),
                before=_alternation(r.suppress_before),
                after=_alternation(r.suppress_after),
                gate=_gate(r),
            )
            for r in document.rules
        )
        guidance = tuple((g, _alternation(g.keywords)) for g in document.guidance)
        canonical = json.dumps(document.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(canonical.encode()).hexdigest()[:16]
        return cls(
            document=document,
            _compiled=compiled,
            _guidance=guidance,
            _hash=digest,
            _not_now_before=_alternation(document.not_now_before),
            _not_now_after=_alternation(document.not_now_after),
        )

    @classmethod
    def from_data(cls, data: Any, *, source: str = "<rules>") -> RuleSet:
        """Validate plain data (as parsed from YAML or JSON) into a RuleSet."""
        if not isinstance(data, dict):
            raise RuleSetError(f"{source}: the document must be a mapping with version and rules")
        try:
            document = RuleFile.model_validate(data)
        except ValidationError as exc:
            raise RuleSetError(f"{source}: {_describe(exc, data)}") from exc
        try:
            return cls.from_document(document)
        except RuleSetError as exc:
            raise RuleSetError(f"{source}: {exc}") from exc

    @classmethod
    def from_yaml(cls, text: str, *, source: str = "<yaml>") -> RuleSet:
        """Parse YAML with safe_load (no Python tags) and validate it."""
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise RuleSetError(f"{source}: not valid YAML: {exc}") from exc
        return cls.from_data(data, source=source)

    @classmethod
    def from_directory(cls, path: Path | str) -> RuleSet:
        """Load every *.yaml file in a directory (sorted by name) as one document."""
        directory = Path(path)
        files = sorted(directory.glob("*.yaml"))
        if not files:
            raise RuleSetError(f"{directory}: no *.yaml rule files")
        merged: dict[str, Any] = {"rules": [], "guidance": [], "category_domains": {}}
        for file in files:
            try:
                data = yaml.safe_load(file.read_text(encoding="utf-8"))
            except (yaml.YAMLError, UnicodeDecodeError) as exc:
                raise RuleSetError(f"{file.name}: not valid YAML: {exc}") from exc
            if not isinstance(data, dict):
                raise RuleSetError(f"{file.name}: the document must be a mapping")
            for key, value in data.items():
                if key in ("rules", "guidance"):
                    if not isinstance(value, list):
                        raise RuleSetError(f"{file.name}: {key} must be a list")
                    merged[key].extend(value)
                elif key == "category_domains":
                    if not isinstance(value, dict):
                        raise RuleSetError(f"{file.name}: category_domains must be a mapping")
                    merged[key].update(value)
                elif key in merged and merged[key] != value:
                    raise RuleSetError(f"{file.name}: {key} conflicts with another file")
                else:
                    merged[key] = value
        return cls.from_data(merged, source=str(directory))

    @classmethod
    def default(cls) -> RuleSet:
        """The rule set shipped with the package."""
        with resources.as_file(resources.files("liandong.triage") / "rules") as directory:
            return cls.from_directory(directory)

    @property
    def version(self) -> str:
        """The version label written in the document."""
        return self.document.version

    @property
    def hash(self) -> str:
        """SHA-256 (first 16 hex) of the canonical JSON form: changes with any edit."""
        return self._hash

    @property
    def label(self) -> str:
        """version+hash, as stored in decisions."""
        return f"{self.version}+{self.hash}"

    @property
    def rules(self) -> tuple[Rule, ...]:
        """All rules in document order."""
        return self.document.rules

    @property
    def guidance(self) -> tuple[Guidance, ...]:
        """All out-of-scope guidance items."""
        return self.document.guidance

    def rule(self, rule_id: str) -> Rule:
        """Return one rule by id or raise KeyError."""
        for r in self.document.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def to_data(self) -> dict[str, Any]:
        """Plain data, omitting defaults, ready for YAML or JSON."""
        return self.document.model_dump(mode="json", exclude_defaults=True)

    def to_yaml(self) -> str:
        """Human-readable YAML that from_yaml reads back to an equal RuleSet."""
        return yaml.safe_dump(self.to_data(), allow_unicode=True, sort_keys=False, width=100)

    def match(self, text: str) -> list[Hit]:
        """Every rule that fires on text, with its words; suppressed hits do not count."""
        hits: list[Hit] = []
        grams: set[str] | None = None
        stops: list[int] | None = None
        not_now = self._not_now_before is not None or self._not_now_after is not None
        for c in self._compiled:
            if c.matcher is None:
                continue
            if c.gate is not None:
                if grams is None:
                    grams = _bigrams(text)
                if c.gate.isdisjoint(grams):
                    continue
            words: list[str] = []
            for m in c.matcher.finditer(text):
                if c.before is not None and c.before.search(text, max(0, m.start() - 4), m.start()):
                    continue
                if c.after is not None and c.after.search(text, m.end(), m.end() + 3):
                    continue
                if not_now and c.rule.not_now and c.rule.platform != Platform.HOTLINE_12345:
                    if stops is None:
                        stops = [b.start() for b in _CLAUSE_END.finditer(text)]
                    if self._not_now(text, m.start(), m.end(), stops):
                        continue
                if m.group(0) not in words:
                    words.append(m.group(0))
                if len(words) >= 5:
                    break
            if not words:
                continue
            if c.context is not None:
                ctx = c.context.search(text)
                if ctx is None:
                    continue
                words.append(ctx.group(0))
            r = c.rule
            hits.append(Hit(r.id, r.platform, r.emergency, r.weight, tuple(words), r.reason, r.dampens))
        return hits

    def _not_now(self, text: str, start: int, end: int, stops: list[int]) -> bool:
        """True when the clause around text[start:end] says the event is hypothetical, habitual or a figure."""
        window = self.document.not_now_window
        k = bisect.bisect_left(stops, start)
        left = max(stops[k - 1] + 1 if k else 0, start - window)
        right = min(stops[k] if k < len(stops) else len(text), end + window)
        if self._not_now_before is not None and self._not_now_before.search(text, left, start):
            return True
        return self._not_now_after is not None and self._not_now_after.search(text, end, right) is not None

    def match_guidance(self, text: str) -> list[tuple[Guidance, tuple[str, ...]]]:
        """Out-of-scope guidance items whose words occur in text."""
        found = []
        for g, matcher in self._guidance:
            if matcher is None:
                continue
            words = tuple(dict.fromkeys(m.group(0) for m in matcher.finditer(text)))
            if words:
                found.append((g, words[:5]))
        return found


def _describe(exc: ValidationError, data: dict[str, Any]) -> str:
    """Name the rule id and field of the first validation error."""
    err = exc.errors()[0]
    loc = list(err["loc"])
    where = ".".join(str(p) for p in loc)
    if len(loc) >= 2 and loc[0] in ("rules", "guidance") and isinstance(loc[1], int):
        items = data.get(loc[0])
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            rid = items[loc[1]].get("id", "?")
            where = (
                f"{loc[0][:-1] if loc[0] == 'rules' else loc[0]} {rid!r} field {'.'.join(map(str, loc[2:]))}"
            )
    return f"{where}: {err['msg']}"


def add_keywords(rules: RuleSet, *, rule_id: str, keywords: Sequence[str]) -> RuleSet:
    """Return a new RuleSet with keywords appended to one rule (an edit the lead stores with audit)."""
    data = rules.to_data()
    for item in data.get("rules", []):
        if item["id"] == rule_id:
            item["keywords"] = list(dict.fromkeys([*item.get("keywords", []), *keywords]))
            return RuleSet.from_data(data, source=f"edit of {rule_id}")
    raise RuleSetError(f"no rule with id {rule_id!r}")


def remove_keywords(rules: RuleSet, *, rule_id: str, keywords: Sequence[str]) -> RuleSet:
    """Return a new RuleSet without the given keywords in one rule."""
    data = rules.to_data()
    for item in data.get("rules", []):
        if item["id"] == rule_id:
            item["keywords"] = [k for k in item.get("keywords", []) if k not in set(keywords)]
            return RuleSet.from_data(data, source=f"edit of {rule_id}")
    raise RuleSetError(f"no rule with id {rule_id!r}")


def upsert_rule(rules: RuleSet, *, rule: dict[str, Any] | Rule) -> RuleSet:
    """Return a new RuleSet with a rule added, or replaced when its id exists."""
    item = rule.model_dump(mode="json", exclude_defaults=True) if isinstance(rule, Rule) else dict(rule)
    data = rules.to_data()
    items = [r for r in data.get("rules", []) if r["id"] != item.get("id")]
    replaced = len(items) != len(data.get("rules", []))
    if replaced:
        pos = next(i for i, r in enumerate(data["rules"]) if r["id"] == item.get("id"))
        items.insert(pos, item)
    else:
        items.append(item)
    data["rules"] = items
    return RuleSet.from_data(data, source=f"edit of {item.get('id', '?')}")


def delete_rule(rules: RuleSet, *, rule_id: str) -> RuleSet:
    """Return a new RuleSet without one rule."""
    data = rules.to_data()
    items = [r for r in data.get("rules", []) if r["id"] != rule_id]
    if len(items) == len(data.get("rules", [])):
        raise RuleSetError(f"no rule with id {rule_id!r}")
    data["rules"] = items
    return RuleSet.from_data(data, source=f"delete of {rule_id}")


def set_version(rules: RuleSet, *, version: str) -> RuleSet:
    """Return a new RuleSet with another version label."""
    data = rules.to_data()
    data["version"] = version
    return RuleSet.from_data(data, source="version edit")
