"""The triage decision: rules for platform and emergency, the model for category, cues for request type."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence

from liandong.triage.enums import EMERGENCY_PLATFORMS, Domain, Platform, RequestType
from liandong.triage.locations import extract_locations
from liandong.triage.model import CategoryModel
from liandong.triage.normalize import MAX_CHARS, EmptyText, is_meaningful, normalize
from liandong.triage.request_type import classify_request_type
from liandong.triage.ruleset import Hit, RuleSet
from liandong.triage.schemas import Decision, Guide, Reason

# Below this probability the category is a guess: route still, but flag for a human (three-way negotiation).
CATEGORY_UNSURE = 0.45
# When several emergency lines fire, 110 dispatches first unless another line clearly dominates (policy 二(二)1).
_EMERGENCY_TIE_ORDER = [Platform.POLICE_110, Platform.FIRE_119, Platform.MEDICAL_120, Platform.TRAFFIC_122]
# The lines that take non-emergency reports (crime, public order, traffic: policy 二(一)). In a written appeal,
# danger words below emergency_threshold (浓烟, 受伤 alone) do not send a request to 119 or 120; nor do they in a
# request about a 12345 field (医院, 学校...) unless they outweigh its words (rules 2024.6).
_NON_EMERGENCY_LINES = frozenset({Platform.POLICE_110, Platform.TRAFFIC_122})
_EMERGENCY_ONLY_LINES = (Platform.FIRE_119, Platform.MEDICAL_120)


def _hit_score(hit: Hit) -> float:
    # More distinct words of one rule are firmer evidence, up to double its weight.
    return hit.weight * min(1.0 + 0.5 * (len(hit.words) - 1), 2.0)


class Triager:
    """Holds the loaded rules and model; thread-safe, and the rules can be swapped at run time."""

    def __init__(self, *, rules: RuleSet | None = None, model: CategoryModel | None = None) -> None:
        self._rules = rules or RuleSet.default()
        self._model = model if model is not None else CategoryModel.default()
        self._lock = threading.Lock()

    @property
    def rules(self) -> RuleSet:
        """The rule set in force."""
        return self._rules

    @property
    def model(self) -> CategoryModel:
        """The category model in force."""
        return self._model

    def reload(self, *, rules: RuleSet | None = None, model: CategoryModel | None = None) -> None:
        """Swap the rules and/or model without a restart (a decision in flight keeps the old ones)."""
        with self._lock:
            if rules is not None:
                self._rules = rules
            if model is not None:
                self._model = model

    def triage(self, text: str, *, strict: bool = False) -> Decision:
        """Decide one request; empty text gives an uncertain decision (or EmptyText when strict)."""
        return self._triage(text, self._rules, self._model, strict=strict)

    def _triage(
        self,
        text: str,
        rules: RuleSet,
        model: CategoryModel,
        *,
        strict: bool = False,
        predicted: tuple[str, float] | None = None,
        clean: str | None = None,
    ) -> Decision:
        truncated = len(text) > MAX_CHARS
        if clean is None:
            clean = normalize(text[:MAX_CHARS])
        if not is_meaningful(clean):
            if strict:
                raise EmptyText("the request has no words to triage")
            return Decision(
                platform=Platform.HOTLINE_12345,
                emergency=False,
                reasons=[Reason(rule="empty-text", detail="诉求内容为空或只有标点，需人工询问")],
                request_type=None,
                category=None,
                category_confidence=0.0,
                domain=None,
                confidence=0.0,
                uncertain=True,
                rules_version=rules.label,
                model_version=_model_version(model),
            )
        decision = _decide(clean, rules, model, predicted)
        if truncated:
            decision.reasons.append(Reason(rule="truncated", detail=f"只分析了前 {MAX_CHARS} 个字符"))
        return decision

    def triage_many(self, texts: Iterable[str]) -> list[Decision]:
        """triage() over many texts, in order; one bad text never stops the batch."""
        rules, model = self._rules, self._model
        items = [t if isinstance(t, str) else "" if t is None else str(t) for t in texts]
        # The model scores the whole batch in one sparse product; rules still run per text.
        cleaned = [normalize(t[:MAX_CHARS]) for t in items]
        predicted = model.predict_many(cleaned)
        return [
            self._triage(t, rules, model, predicted=p if is_meaningful(c) else None, clean=c)
            for t, c, p in zip(items, cleaned, predicted, strict=True)
        ]


def _model_version(model: CategoryModel) -> str | None:
    value = model.meta.get("version")
    return str(value) if value is not None else None


def _decide(
    text: str, rules: RuleSet, model: CategoryModel, predicted: tuple[str, float] | None = None
) -> Decision:
    hits = rules.match(text)
    hotline = sum(_hit_score(h) for h in hits if h.dampens)
    # Words of 12345's own fields (医院, 学校, 小区, 收费标准...): what the request is about.
    field = sum(_hit_score(h) for h in hits if h.platform == Platform.HOTLINE_12345 and not h.dampens)
    # In a written appeal, an event the text dates to the past (当时, 那天, 2018年5月3日...) is not danger now:
    # it leaves the scores but still flags the request for a person (three-way call). A caller's report has no
    # petition evidence and keeps every hit.
    appeal = hotline >= rules.document.past_petition
    past = appeal and any(h.past for h in hits)
    scores: dict[Platform, float] = defaultdict(float)
    emergency_scores: dict[Platform, float] = defaultdict(float)
    for hit in hits:
        if past and hit.past:
            continue
        scores[hit.platform] += _hit_score(hit)
        if hit.emergency:
            emergency_scores[hit.platform] += _hit_score(hit)
    doc = rules.document
    category, cat_p = predicted if predicted is not None else model.predict(text)
    request_type, type_words = classify_request_type(text)
    reasons = [Reason(rule=h.rule_id, words=list(h.words), detail=h.detail) for h in hits]
    guidance: list[Guide] = []
    uncertain = False

    # A long written appeal narrates: its danger words pile up over the story (殴打...受伤...起火), so no evidence
    # is strong enough by itself there; danger marked now still is (rules 2024.6). A caller's report is short.
    long_text = doc.narration_chars is not None and len(text) > doc.narration_chars
    narration = appeal and long_text

    def outweighs(evidence: float, against: float = hotline) -> bool:
        strong = evidence >= doc.strong_evidence and not narration
        return strong or evidence > doc.hotline_damping * against

    # 119 and 120 take emergencies; weak danger words (受伤, 抢救, 浓烟 alone) in a request made of a 12345 field (a
    # written appeal, a long complaint, or a text that asks: "学校篮球场地面太滑，经常有学生受伤，希望修一修") do not
    # send it there unless they outweigh its field and appeal words. A caller's short report keeps them: "小区楼道里
    # 冒浓烟" is 119's to judge.
    weak = sum(scores[p] for p in _EMERGENCY_ONLY_LINES)
    asks = appeal or long_text or rules.asks_of_a_field(text)
    about_field = field > 0 and asks and not outweighs(weak, hotline + field)
    lines = _NON_EMERGENCY_LINES if appeal or about_field else EMERGENCY_PLATFORMS
    police = sum(scores[p] for p in lines)
    # Out of scope only when nothing, past or present, points to the police.
    police_named = any(_hit_score(h) > 0 for h in hits if h.platform in EMERGENCY_PLATFORMS)
    danger = sum(emergency_scores.values())

    # Danger marked as happening now (正在, 快来, 救命...) is never outweighed by polite or written-appeal words.
    urgent = any(h.urgent and not (past and h.past) for h in hits)
    # In a written appeal, the words of the field it is about (物业, 施工, 学校...) join the appeal words against
    # narrated danger (rules 2024.6). Not in other texts: a caller names places too ("小区里有人打架").
    against = hotline + field if appeal else hotline
    if danger >= doc.emergency_threshold and (urgent or outweighs(danger, against)):
        top = max(emergency_scores.values())
        platform = next(p for p in _EMERGENCY_TIE_ORDER if emergency_scores.get(p, 0.0) >= top)
        emergency = True
        confidence = min(1.0, 0.6 + 0.04 * danger)
    elif police >= doc.police_threshold and outweighs(police, against):
        platform = max(
            (p for p in lines if scores.get(p)),
            key=lambda p: (scores[p], p == Platform.POLICE_110),
        )
        emergency = False
        confidence = min(1.0, 0.5 + 0.05 * police)
    elif scores[Platform.UTILITY] >= doc.utility_threshold and outweighs(scores[Platform.UTILITY]):
        platform, emergency = Platform.UTILITY, False
        confidence = min(1.0, 0.5 + 0.1 * scores[Platform.UTILITY])
    else:
        found = rules.match_guidance(text)
        oos = sum(g.weight for g, _ in found)
        # A complaint in a 12345 field that also asks 纪委 or names 腐败 is still 12345's: out of scope only when
        # the guidance words outweigh the field words as well as the appeal words.
        if oos >= doc.out_of_scope_threshold and outweighs(oos, hotline + field) and not police_named:
            platform, emergency = Platform.OUT_OF_SCOPE, False
            confidence = min(1.0, 0.4 + 0.1 * oos)
            for g, words in found:
                guidance.append(
                    Guide(id=g.id, title=g.title, body=g.body, number=g.number, channel=g.channel)
                )
                reasons.append(Reason(rule=f"guidance:{g.id}", words=list(words), detail=f"引导至{g.body}"))
        else:
            platform, emergency = Platform.HOTLINE_12345, False
            confidence = cat_p
            if danger > 0 or police >= doc.police_threshold or past:
                # Danger or police words that did not decide: the three-way call does (policy 二(二)1).
                uncertain = True
                confidence = min(confidence, 0.5)
                reasons.append(
                    Reason(
                        rule="police-evidence-not-decisive",
                        detail="涉警或险情词语不足以转110，建议三方通话确认",
                    )
                )
    if platform in EMERGENCY_PLATFORMS and request_type is not RequestType.REPORT:
        # A caller in danger asks for help, whatever words they use; 举报 of a crime stays 举报.
        request_type = RequestType.HELP
    if platform == Platform.HOTLINE_12345 and cat_p < CATEGORY_UNSURE:
        uncertain = True
    reasons.append(Reason(rule="model:category", words=[category], detail=f"类别概率 {cat_p:.2f}"))
    if type_words:
        reasons.append(Reason(rule="request-type", words=type_words, detail=f"诉求类型 {request_type.value}"))
    domain = _domain(hits, category, rules)
    return Decision(
        platform=platform,
        emergency=emergency,
        reasons=reasons,
        request_type=request_type,
        category=category,
        category_confidence=round(cat_p, 4),
        domain=domain,
        confidence=round(confidence, 4),
        uncertain=uncertain,
        locations=extract_locations(text),
        guidance=guidance,
        rules_version=rules.label,
        model_version=_model_version(model),
    )


def _domain(hits: Sequence[Hit], category: str | None, rules: RuleSet) -> Domain | None:
    """The category's domain, unless a 12345 domain rule fired (经济调节 has no category of its own)."""
    by_rule: dict[Domain, float] = defaultdict(float)
    for h in hits:
        rule = rules.rule(h.rule_id)
        if rule.domain is not None:
            by_rule[rule.domain] += _hit_score(h)
    mapped = rules.document.category_domains.get(category) if category else None
    if by_rule and (mapped is None or max(by_rule.values()) >= 2 * by_rule.get(mapped, 0.0) + 1.5):
        return max(by_rule, key=lambda d: by_rule[d])
    return mapped


_default: Triager | None = None
_default_lock = threading.Lock()


def default_triager() -> Triager:
    """The process-wide Triager with the shipped rules and model, loaded once."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Triager()
        return _default


def triage(text: str, *, rules: RuleSet | None = None, model: CategoryModel | None = None) -> Decision:
    """Triage one request with the shipped rules and model, or with the ones given."""
    base = default_triager()
    if rules is None and model is None:
        return base.triage(text)
    return Triager(rules=rules or base.rules, model=model or base.model).triage(text)
