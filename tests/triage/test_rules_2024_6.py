"""Rules 2024.6: field words weigh against weak danger and guidance words; more appeal words; toxic gas; police oversight.

Written from the train-side board messages (paraphrased, never copied, never from dev); the callers' phrasings
are the recall cases: a short present-tense report must stay an emergency.
"""

import pytest

from liandong.triage import Platform, RuleSet, RuleSetError, Triager
from liandong.triage.enums import EMERGENCY_PLATFORMS


@pytest.mark.parametrize(
    ("text", "platform"),
    [
        ("你好，我家着火了", Platform.FIRE_119),
        ("你好，有人拿刀砍人", Platform.POLICE_110),
        ("你们好，楼下两伙人打起来了", Platform.POLICE_110),
        ("化工厂有毒气体泄漏了，好几个人晕倒了", None),
        ("仓库里冒出有毒气体，有人被熏倒了", Platform.FIRE_119),
        ("学校门口出车祸了，有学生受伤流血", Platform.TRAFFIC_122),
        ("医院门口有人晕倒了没有呼吸", Platform.MEDICAL_120),
        ("有人在小区里砍人，报警半天了警察还没来", Platform.POLICE_110),
        ("尊敬的领导，小区门口正在着火，业主被困在楼上", Platform.FIRE_119),
    ],
)
def test_callers_stay_emergencies(triager: Triager, text: str, platform: Platform | None) -> None:
    d = triager.triage(text)
    assert d.emergency, d.reasons
    assert d.platform == platform if platform else d.platform in EMERGENCY_PLATFORMS


def test_weak_danger_without_a_field_word_still_reaches_120(triager: Triager) -> None:
    # Below emergency_threshold, but nothing says the request is about a 12345 field.
    assert triager.triage("楼下有人受伤了，一直在流血").platform == Platform.MEDICAL_120
    # A field word that the danger words outweigh does not hold it back either.
    assert triager.triage("小区里有人受伤了，流血不止").platform == Platform.MEDICAL_120


@pytest.mark.parametrize(
    "text",
    [
        # Weak danger words in a request about a 12345 field (学校, 医院, 体育).
        "学校篮球场地面太滑，经常有学生受伤，希望修一修",
        "市中心医院每年办急救培训班，报名要交多少钱",
        # Out-of-scope words in a complaint of a 12345 field.
        "某学校违规收取补课费，请纪委查处",
        "社保卡只能在一家银行办理，垄断产生腐败，希望人社部门放开",
        # Pollution is not a toxic-gas leak (and 污染 is a field word against the weak 毒气).
        "化工厂每天跑出难闻的有毒气体，污染严重，关门关窗都不敢出门",
        "长期吸入垃圾站焚烧的有毒气体，居民喉咙发炎",
        # Segmented-style appeals whose 尊敬的 lost its 的, and greetings with 你好.
        "尊敬市长 你好 小区电梯频繁故障 业主被困 无人处理",
        "李书记 你好 尊敬书记 土家织锦急需抢救 缺少资金",
        # A case already reported whose handling is complained about.
        "家里去年被盗，多次报案，办案民警一直不处理，不了了之",
    ],
)
def test_requests_of_12345_fields_stay_with_12345(triager: Triager, text: str) -> None:
    d = triager.triage(text)
    assert d.platform == Platform.HOTLINE_12345, d.reasons
    assert not d.emergency


def test_field_complaint_with_weak_danger_is_flagged_for_a_person(triager: Triager) -> None:
    d = triager.triage("学校篮球场地面太滑，经常有学生受伤，希望修一修")
    assert d.uncertain
    assert any(r.rule == "police-evidence-not-decisive" for r in d.reasons)


def test_out_of_scope_guidance_still_applies_without_field_words(triager: Triager) -> None:
    d = triager.triage("法院判决已经生效，我想申请强制执行")
    assert d.platform == Platform.OUT_OF_SCOPE


def test_a_theft_report_still_goes_to_110(triager: Triager) -> None:
    assert triager.triage("我的电动车昨晚在小区门口被偷了").platform == Platform.POLICE_110
    assert triager.triage("店里刚被盗了，我要报案").platform == Platform.POLICE_110


def test_a_greeting_alone_does_not_damp_a_threat(triager: Triager) -> None:
    # One appeal word is no written appeal: a threat of suicide after 你好 is still an emergency.
    d = triager.triage("局长你好，我交不起医保，不想活了")
    assert d.emergency and d.platform == Platform.POLICE_110, d.reasons


def test_pollution_with_toxic_gas_is_no_emergency(triager: Triager) -> None:
    d = triager.triage("化工厂每天跑出难闻的有毒气体，关门关窗都不敢出门")
    assert not d.emergency, d.reasons


def test_toxic_gas_needs_a_leak_spread_or_victim() -> None:
    rules = RuleSet.default()
    fired = {h.rule_id for h in rules.match("工厂有毒气体泄漏，正在扩散")}
    assert "toxic-gas" in fired
    assert "toxic-gas" not in {h.rule_id for h in rules.match("工厂每天产生有毒气体，臭味很大")}


def test_field_words_join_a_written_appeal_against_narrated_danger(triager: Triager) -> None:
    # A written appeal (尊敬的, 领导, 投诉) about property and building (小区, 物业, 施工) narrating a fire.
    appeal = "尊敬的领导：我要投诉开发商，小区车库起火，火势很大，有人身亡，物业和施工方都不管"
    d = triager.triage(appeal)
    assert d.platform == Platform.HOTLINE_12345 and not d.emergency, d.reasons
    assert d.uncertain  # a person still checks it (三方通话)
    # The same appeal saying the fire is burning now stays an emergency.
    now = "尊敬的领导：我要投诉开发商，小区车库正在起火，火势很大，物业和施工方都不管"
    d = triager.triage(now)
    assert d.emergency and d.platform == Platform.FIRE_119, d.reasons


LONG_APPEAL = (
    "尊敬的领导您好：我是某小区的业主，想反映开发商和物业的问题。交房以来房屋漏水开裂，物业费却年年上涨，"
    "业主多次投诉都没有结果。开发商雇来的人在小区里殴打业主，拿刀砍伤了两名业主，还放火烧了业主的车，"
    "业主们苦不堪言。小区的消防通道也被开发商的工棚占用，电梯经常停运，老人上下楼十分困难。我们多次向街道和社区反映，都说不归他们管，相互推诿。恳请有关部门督促开发商整改房屋"
    "质量问题，依法处理打人的人，维护我们业主的合法权益。谢谢！"
)


def test_a_long_written_appeal_narrating_violence_stays_12345(triager: Triager) -> None:
    narration = RuleSet.default().document.narration_chars
    assert narration is not None and len(LONG_APPEAL) > narration
    d = triager.triage(LONG_APPEAL)
    assert d.platform == Platform.HOTLINE_12345 and not d.emergency, d.reasons
    assert d.uncertain


def test_a_long_written_appeal_with_danger_now_is_an_emergency(triager: Triager) -> None:
    d = triager.triage(LONG_APPEAL.replace("在小区里殴打业主", "正在小区里殴打业主"))
    assert d.emergency and d.platform == Platform.POLICE_110, d.reasons


@pytest.mark.parametrize(
    "text",
    [
        # Short and polite, with three appeal words and a field word: strong evidence still decides.
        "领导您好，请问小区楼下有人拿刀砍人，已经砍伤两个人了怎么办，谢谢",
        "尊敬的领导您好，小区里着火了，火势很大，有人被困在楼上，有人烧伤，谢谢",
    ],
)
def test_short_polite_reports_of_strong_danger_stay_emergencies(triager: Triager, text: str) -> None:
    d = triager.triage(text)
    assert d.emergency and d.platform in EMERGENCY_PLATFORMS, d.reasons


def test_narration_chars_none_keeps_the_strong_evidence_rule() -> None:
    data = RuleSet.default().to_data()
    data.pop("narration_chars")
    rules = RuleSet.from_data(data)
    assert rules.document.narration_chars is None
    d = Triager(rules=rules).triage(LONG_APPEAL)
    assert d.emergency, d.reasons


@pytest.mark.parametrize("value", ["-1", "abc", "[200]", "2000000"])
def test_a_malformed_narration_chars_is_refused_by_name(value: str) -> None:
    data = RuleSet.default().to_yaml().replace("narration_chars: 200", f"narration_chars: {value}")
    with pytest.raises(RuleSetError, match="narration_chars"):
        RuleSet.from_yaml(data)


@pytest.mark.parametrize(
    ("text", "platform", "emergency"),
    [
        # A caller's short report names a place of a 12345 field: field words hold weak danger back only in a written
        # appeal or a long complaint, so these keep their line (before the lead's review they stayed with 12345).
        ("小区里有人受伤了", Platform.MEDICAL_120, False),
        # 2024.8: smoke indoors (楼道, 屋里) is a fire emergency (`smoke-indoors`).
        ("小区楼道里冒浓烟", Platform.FIRE_119, True),
        # The cost: a short figurative 受伤 with nothing asked goes to 120 too (not as an emergency).
        ("两所学校招生互相诋毁，最终受伤的是学生和家长", Platform.MEDICAL_120, False),
        # A greeting is no written appeal: it does not damp danger that reaches the emergency threshold.
        ("您好，我们小区有人被狗咬伤了，流了很多血", Platform.MEDICAL_120, True),
        ("你好，学校操场有个学生晕倒了", Platform.MEDICAL_120, True),
        # Falls (坠楼, 从楼上摔下来, 摔倒了起不来) are 120's.
        ("工地上有工人从楼上摔下来了", Platform.MEDICAL_120, True),
        ("小区有个老人摔倒了起不来", Platform.MEDICAL_120, True),
    ],
)
def test_callers_naming_a_field_or_greeting_keep_their_line(
    triager: Triager, text: str, platform: Platform, emergency: bool
) -> None:
    d = triager.triage(text)
    assert (d.platform, d.emergency) == (platform, emergency), d.reasons


def test_a_long_complaint_about_a_field_keeps_weak_danger_in_12345(triager: Triager) -> None:
    text = (
        "学校篮球场地面太滑，经常有学生受伤。"
        + "学校操场多年没有维修，塑胶跑道开裂起皮，下雨积水，体育课只能停上。" * 6
    )
    d = triager.triage(text)
    assert d.platform == Platform.HOTLINE_12345 and not d.emergency, d.reasons


@pytest.mark.parametrize("value", [[""], "abc", [["经常"]], ["词"] * 2001, [" " * 3], ["长" * 51]])
def test_malformed_field_request_cues_are_refused_by_name(value: object) -> None:
    data = RuleSet.default().to_data()
    data["field_request_cues"] = value
    with pytest.raises(RuleSetError, match="field_request_cues"):
        RuleSet.from_data(data)


def test_without_field_request_cues_a_short_field_text_keeps_its_line() -> None:
    data = RuleSet.default().to_data()
    data.pop("field_request_cues")
    d = Triager(rules=RuleSet.from_data(data)).triage("学校篮球场地面太滑，经常有学生受伤，希望修一修")
    assert d.platform == Platform.MEDICAL_120 and not d.emergency, d.reasons
