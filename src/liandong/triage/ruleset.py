"""The 事项清单 (scope item list): versioned YAML rules, validated, hashed, editable at run time."""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from liandong.triage.enums import Platform
from liandong.triage.ruledoc import Guidance, Rule, RuleFile, RuleSetError
from liandong.triage.wordregex import trie_source

# The document's types are part of this module's vocabulary (callers import them from here).
__all__ = ["Guidance", "Hit", "Rule", "RuleFile", "RuleSet", "RuleSetError"]

# Characters that end a clause: the not-now markers reach no further (a caller's "如果再不来就出人命了，有人拿刀砍人"
# keeps its emergency).
_CLAUSE_END = re.compile(r"[。！？!?；;\n,，]")


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
    # Every occurrence counted sits in a clause dated to the past (past_before/past_after/past_patterns).
    past: bool = False
    # An emergency rule's hit marked as happening now (now_before/now_after in its clause, or call_for_help).
    urgent: bool = False


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
    # First two characters (lower-cased) of every keyword: when none of them is a bigram of the text, no keyword
    # can match, so the scan is skipped, or narrowed to the rule's patterns (same hits: only patterns can match
    # then). None (always scan everything) when the rule has a one-character keyword.
    gate: frozenset[str] | None = None
    patterns_only: re.Pattern[str] | None = None


def _gate(rule: Rule) -> frozenset[str] | None:
    if any(len(w) < 2 for w in rule.keywords):
        return None
    return frozenset(w[:2].lower() for w in rule.keywords)


def _bigrams(text: str) -> set[str]:
    low = text.lower()
    return {low[i : i + 2] for i in range(len(low) - 1)}


class _Clauses:
    """The clauses of one text (split lazily at _CLAUSE_END), and whether markers stand in a match's clause."""

    def __init__(self, text: str, window: int) -> None:
        self.text = text
        self.window = window  # a clause reaches at most this many characters either side of the match
        self._stops: list[int] | None = None

    def marked(
        self, markers: tuple[re.Pattern[str] | None, re.Pattern[str] | None], start: int, end: int
    ) -> bool:
        """True when `before` markers precede text[start:end] or `after` markers follow it in its clause."""
        before, after = markers
        if before is None and after is None:
            return False
        if self._stops is None:
            self._stops = [b.start() for b in _CLAUSE_END.finditer(self.text)]
        stops = self._stops
        k = bisect.bisect_left(stops, start)
        left = max(stops[k - 1] + 1 if k else 0, start - self.window)
        right = min(stops[k] if k < len(stops) else len(self.text), end + self.window)
        if before is not None and before.search(self.text, left, start):
            return True
        return after is not None and after.search(self.text, end, right) is not None


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
    _past_before: re.Pattern[str] | None = field(repr=False, compare=False, default=None)
    _past_after: re.Pattern[str] | None = field(repr=False, compare=False, default=None)
    _now_before: re.Pattern[str] | None = field(repr=False, compare=False, default=None)
    _now_after: re.Pattern[str] | None = field(repr=False, compare=False, default=None)
    _call_for_help: re.Pattern[str] | None = field(repr=False, compare=False, default=None)
    _field_request: re.Pattern[str] | None = field(repr=False, compare=False, default=None)

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
                patterns_only=_alternation((), r.patterns),
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
            _past_before=_alternation(document.past_before, document.past_patterns),
            _past_after=_alternation(document.past_after, document.past_patterns),
            _now_before=_alternation(document.now_before),
            _now_after=_alternation(document.now_after),
            _call_for_help=_alternation(document.call_for_help),
            _field_request=_alternation(document.field_request_cues),
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
        clauses = _Clauses(text, self.document.not_now_window)
        not_now = (self._not_now_before, self._not_now_after)
        past = (self._past_before, self._past_after)
        now_marks = (self._now_before, self._now_after)
        help_called: bool | None = None
        for c in self._compiled:
            matcher = c.matcher
            if matcher is None:
                continue
            if c.gate is not None:
                if grams is None:
                    grams = _bigrams(text)
                if c.gate.isdisjoint(grams):
                    if c.patterns_only is None:
                        continue
                    matcher = c.patterns_only
            # The clause markers speak of events outside 12345; a rule may opt out (threats are conditional).
            marked = c.rule.not_now and c.rule.platform != Platform.HOTLINE_12345
            words: list[str] = []
            now = urgent = False
            for m in matcher.finditer(text):
                start, end = m.span()
                if c.before is not None and c.before.search(text, max(0, start - 4), start):
                    continue
                if c.after is not None and c.after.search(text, end, end + 3):
                    continue
                if marked and clauses.marked(not_now, start, end):
                    continue
                if not now:
                    now = not (marked and clauses.marked(past, start, end))
                if c.rule.emergency and not urgent:
                    if help_called is None:
                        help_called = self._calls_for_help(text)
                    # "刚刚发生的一起火灾" in an appeal narrates (past); it does not call.
                    urgent = (help_called or clauses.marked(now_marks, start, end)) and not clauses.marked(
                        past, start, end
                    )
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
            hits.append(
                Hit(
                    r.id,
                    r.platform,
                    r.emergency,
                    r.weight,
                    tuple(words),
                    r.reason,
                    r.dampens,
                    not now,
                    urgent,
                )
            )
        return hits

    def _calls_for_help(self, text: str) -> bool:
        # 尽快来 / 尽快派人 in a written appeal asks for prompt handling, not for rescue.
        if self._call_for_help is None:
            return False
        return any(text[m.start() - 1 : m.start()] != "尽" for m in self._call_for_help.finditer(text))

    def asks_of_a_field(self, text: str) -> bool:
        """Whether the text asks something of a 12345 field (希望修一修, 经常有, 多少钱) rather than reports an event."""
        return self._field_request is not None and self._field_request.search(text) is not None

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
