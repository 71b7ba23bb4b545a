"""The 事项清单 loader: valid, malformed and hostile YAML, edits and reloading."""

from pathlib import Path

import pytest

from liandong.triage import RuleSet, RuleSetError, Triager, add_keywords, delete_rule, upsert_rule
from liandong.triage.enums import Platform
from liandong.triage.ruleedit import remove_keywords, set_version

MINIMAL = """
version: "t1"
rules:
  - id: fire
    platform: "119"
    title: 火灾
    reason: 着火
    emergency: true
    weight: 5
    keywords: [着火]
"""


def test_default_rules_cover_every_platform() -> None:
    rules = RuleSet.default()
    platforms = {r.platform for r in rules.rules}
    assert platforms == set(Platform) - {Platform.OUT_OF_SCOPE}
    assert rules.guidance, "out-of-scope guidance list is empty"
    assert all(g.channel for g in rules.guidance)
    assert rules.label.startswith(rules.version + "+")


def test_yaml_round_trip_keeps_the_hash() -> None:
    rules = RuleSet.default()
    again = RuleSet.from_yaml(rules.to_yaml())
    assert again.hash == rules.hash
    assert again.rules == rules.rules


def test_minimal_document_matches() -> None:
    rules = RuleSet.from_yaml(MINIMAL)
    hits = rules.match("我家着火了")
    assert [(h.rule_id, h.words) for h in hits] == [("fire", ("着火",))]
    assert rules.match("一切正常") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: [unclosed", "not valid YAML"),
        ("- just\n- a list\n", "must be a mapping"),
        ("", "must be a mapping"),
        (MINIMAL.replace('"119"', '"911"'), "rule 'fire' field platform"),
        (MINIMAL.replace("weight: 5", "weight: 50"), "rule 'fire' field weight"),
        (MINIMAL.replace("keywords: [着火]", "patterns: ['(unclosed']"), "bad regular expression"),
        (MINIMAL.replace("id: fire", "id: 'Bad Id!'"), "id must be"),
        (MINIMAL.replace("    title: 火灾\n", ""), "rule .fire. field title"),
        (MINIMAL.replace("    reason: 着火\n", "    reason: 着火\n    colour: red\n"), "colour"),
        (MINIMAL + MINIMAL.split("rules:\n")[1], "duplicate rule id 'fire'"),
        (
            'version: "x"\nrules: [{id: a1, platform: "110", title: t, reason: r, keywords: [""]}]',
            "non-empty",
        ),
    ],
)
def test_malformed_documents_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(RuleSetError, match=message):
        RuleSet.from_yaml(text)


def test_hostile_python_tags_are_refused() -> None:
    hostile = 'version: !!python/object/apply:os.system ["touch /tmp/pwned-by-yaml"]\nrules: []\n'
    with pytest.raises(RuleSetError, match="not valid YAML"):
        RuleSet.from_yaml(hostile)
    assert not Path("/tmp/pwned-by-yaml").exists()


def test_add_keywords_returns_a_new_ruleset_and_takes_effect_without_restart() -> None:
    rules = RuleSet.from_yaml(MINIMAL)
    edited = add_keywords(rules, rule_id="fire", keywords=["走水了"])
    assert edited.hash != rules.hash
    assert rules.match("走水了") == []  # the original is unchanged
    assert edited.match("走水了")[0].rule_id == "fire"
    triager = Triager(rules=rules)
    assert triager.triage("隔壁走水了").platform == Platform.HOTLINE_12345
    triager.reload(rules=edited)
    decision = triager.triage("隔壁走水了")
    assert decision.platform == Platform.FIRE_119
    assert decision.rules_version == edited.label


def test_remove_keywords_and_unknown_rule() -> None:
    rules = RuleSet.from_yaml(MINIMAL)
    assert remove_keywords(rules, rule_id="fire", keywords=["着火"]).match("着火") == []
    with pytest.raises(RuleSetError, match="no rule with id 'nope'"):
        add_keywords(rules, rule_id="nope", keywords=["x"])
    with pytest.raises(RuleSetError, match="no rule with id 'nope'"):
        delete_rule(rules, rule_id="nope")


def test_upsert_adds_then_replaces_and_delete_removes() -> None:
    rules = RuleSet.from_yaml(MINIMAL)
    new = {
        "id": "gas",
        "platform": "119",
        "title": "燃气",
        "reason": "燃气泄漏",
        "emergency": True,
        "keywords": ["煤气"],
    }
    added = upsert_rule(rules, rule=new)
    assert [r.id for r in added.rules] == ["fire", "gas"]
    replaced = upsert_rule(added, rule={**new, "keywords": ["天然气"]})
    assert [r.id for r in replaced.rules] == ["fire", "gas"]
    assert replaced.rule("gas").keywords == ("天然气",)
    assert [r.id for r in delete_rule(replaced, rule_id="gas").rules] == ["fire"]
    with pytest.raises(RuleSetError, match="rule 'bad' field platform"):
        upsert_rule(rules, rule={**new, "id": "bad", "platform": "999"})


def test_set_version_changes_label() -> None:
    rules = RuleSet.from_yaml(MINIMAL)
    assert set_version(rules, version="t2").label.startswith("t2+")


def test_directory_loader(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        'rules: [{id: gas, platform: "119", title: t, reason: r, keywords: [煤气]}]\n', encoding="utf-8"
    )
    rules = RuleSet.from_directory(tmp_path)
    assert [r.id for r in rules.rules] == ["fire", "gas"]
    (tmp_path / "c.yaml").write_bytes(b"\xff\xfe not utf8")
    with pytest.raises(RuleSetError, match=r"c\.yaml"):
        RuleSet.from_directory(tmp_path)


def test_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(RuleSetError, match=r"no \*\.yaml"):
        RuleSet.from_directory(tmp_path)


def test_suppressed_hazard_mentions_do_not_fire() -> None:
    rules = RuleSet.default()
    fired = {h.rule_id for h in rules.match("小区消防通道被占，存在火灾隐患")}
    assert "fire" not in fired
    assert "fire" in {h.rule_id for h in rules.match("楼下起火了")}


NOT_NOW = """
version: "t1"
not_now_before: [如果]
not_now_after: [都有可能]
rules:
  - id: fire
    platform: "119"
    title: 火灾
    reason: 着火
    emergency: true
    weight: 5
    keywords: [着火, 爆炸]
  - id: property
    platform: "12345"
    title: 物业
    reason: 物业
    keywords: [物业]
  - id: threat
    platform: "110"
    title: 轻生
    reason: 扬言轻生
    emergency: true
    weight: 5
    keywords: [跳楼]
    not_now: false
"""


@pytest.mark.parametrize(
    ("text", "fired"),
    [
        ("如果着火了怎么办", set()),  # hypothetical in the same clause
        ("着火爆炸都有可能", set()),  # the marker after the hit, same clause
        ("如果你听得到，我家着火了", {"fire"}),  # the marker is in another clause
        ("着火了，如果再不来就晚了", {"fire"}),  # a marker after the clause ends counts for nothing
        ("如果物业不管", {"property"}),  # 12345's own rules are never cancelled
        ("如果不还钱就跳楼", {"threat"}),  # a rule with not_now: false is never cancelled
    ],
)
def test_not_now_markers_cancel_hits_in_their_clause_only(text: str, fired: set[str]) -> None:
    assert {h.rule_id for h in RuleSet.from_yaml(NOT_NOW).match(text)} == fired


def test_not_now_markers_are_validated_and_round_trip() -> None:
    with pytest.raises(RuleSetError, match="non-empty"):
        RuleSet.from_yaml(NOT_NOW.replace("[如果]", '[""]'))
    rules = RuleSet.from_yaml(NOT_NOW)
    assert RuleSet.from_yaml(rules.to_yaml()).hash == rules.hash
    assert RuleSet.from_yaml(MINIMAL).match("如果着火了")  # no markers: the old behaviour


PAST = """
version: "t1"
past_before: [当时]
past_patterns: ['\\d{0,2}月\\d{0,2}日']
past_petition: 1.5
rules:
  - id: fire
    platform: "119"
    title: 火灾
    reason: 着火
    emergency: true
    weight: 5
    keywords: [着火]
  - id: smoke
    platform: "120"
    title: 浓烟
    reason: 浓烟（单独出现时证据较弱）
    emergency: true
    weight: 3
    keywords: [浓烟]
  - id: appeal
    platform: "12345"
    title: 书面诉求
    reason: 书面诉求
    weight: 1
    dampens: true
    keywords: [恳请, 领导]
"""


@pytest.mark.parametrize(
    ("text", "past"),
    [
        ("当时着火了", True),
        ("5月3日着火了", True),
        ("着火了，当时我在家", False),  # the marker is in another clause
        ("当时着火了，现在又着火了", False),  # one occurrence now is enough
    ],
)
def test_past_markers_date_a_hit_in_its_clause_only(text: str, past: bool) -> None:
    (hit,) = RuleSet.from_yaml(PAST).match(text)
    assert hit.past is past


def test_past_hits_count_only_outside_a_written_appeal() -> None:
    triager = Triager(rules=RuleSet.from_yaml(PAST))
    appeal = triager.triage("领导，当时着火了，恳请处理")
    assert appeal.platform == Platform.HOTLINE_12345 and not appeal.emergency
    assert appeal.uncertain  # a person still checks it
    report = triager.triage("当时着火了，快来")  # no petition evidence: a caller's report keeps every hit
    assert report.emergency and report.platform == Platform.FIRE_119
    now = triager.triage("领导，现在着火了，恳请快来")  # the danger is not dated: still an emergency
    assert now.emergency and now.platform == Platform.FIRE_119


def test_weak_danger_alone_does_not_send_a_written_appeal_to_119_or_120() -> None:
    triager = Triager(rules=RuleSet.from_yaml(PAST.replace("past_petition: 1.5", "past_petition: 1")))
    alone = triager.triage("楼下浓烟")  # below emergency_threshold: the weak line takes it, not urgent
    assert alone.platform == Platform.MEDICAL_120 and not alone.emergency
    appeal = triager.triage("楼下浓烟，恳请处理")
    assert appeal.platform == Platform.HOTLINE_12345 and appeal.uncertain


def test_past_markers_are_validated_and_round_trip() -> None:
    with pytest.raises(RuleSetError, match="past_patterns"):
        RuleSet.from_yaml(PAST.replace("'\\d{0,2}月\\d{0,2}日'", "'(unclosed'"))
    rules = RuleSet.from_yaml(PAST)
    assert RuleSet.from_yaml(rules.to_yaml()).hash == rules.hash


NOW = NOT_NOW.replace(
    "not_now_after: [都有可能]", "not_now_after: [都有可能]\nnow_before: [正在]\ncall_for_help: [快来]"
)


@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        ("楼下正在着火", True),  # the now marker in the hit's clause
        ("正在开会，楼下着火", False),  # 正在 in another clause: not this hit's
        ("楼下着火了，快来", True),  # a call for help counts anywhere in the text
        ("楼下着火了，请尽快来处理", False),  # 尽快来 asks for prompt handling, not rescue
        ("楼下着火了", False),
    ],
)
def test_now_markers_mark_emergency_hits_urgent(text: str, urgent: bool) -> None:
    hits = [h for h in RuleSet.from_yaml(NOW).match(text) if h.rule_id == "fire"]
    assert [h.urgent for h in hits] == [urgent]


def test_now_markers_are_validated_and_round_trip() -> None:
    with pytest.raises(RuleSetError, match="non-empty"):
        RuleSet.from_yaml(NOW.replace("now_before: [正在]", 'now_before: [""]'))
    rules = RuleSet.from_yaml(NOW)
    assert RuleSet.from_yaml(rules.to_yaml()).hash == rules.hash
    assert not any(h.urgent for h in RuleSet.from_yaml(MINIMAL).match("正在着火，快来"))  # no markers


def test_a_rule_with_patterns_fires_on_a_pattern_when_none_of_its_keywords_can_match() -> None:
    # The bigram gate skips keyword scanning when no keyword's first two characters occur; the patterns still run.
    rules = RuleSet.from_yaml(
        MINIMAL.replace("keywords: [着火]", 'keywords: [着火, 起火]\n    patterns: ["冒[^，。]{0,3}火苗"]')
    )
    assert [(h.rule_id, h.words) for h in rules.match("窗户里冒出了火苗")] == [("fire", ("冒出了火苗",))]
    assert [(h.rule_id, h.words) for h in rules.match("仓库起火了")] == [("fire", ("起火",))]
    assert [h.words for h in rules.match("仓库起火，窗户冒出火苗")] == [("起火", "冒出火苗")]
    assert rules.match("一切正常") == []


def test_no_shipped_rule_lists_a_keyword_twice() -> None:
    # A repeated word is a copy-paste slip in the item list; the matcher would hide it (it takes a set).
    for rule in RuleSet.default().document.rules:
        assert len(rule.keywords) == len(set(rule.keywords)), rule.id
