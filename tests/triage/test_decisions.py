"""Emergency recall on callers' own phrasings, routing of typical requests, and the Decision's content."""

import pytest

from liandong.triage import Decision, Platform, RequestType, Triager, triage
from liandong.triage.enums import EMERGENCY_PLATFORMS

# Callers say little and badly: these are the phrasings a seat hears, not news reports.
CALLER_EMERGENCIES = [
    ("快来人啊 有人拿刀砍人", Platform.POLICE_110),
    ("我家着火了", Platform.FIRE_119),
    ("煤气味很重", Platform.FIRE_119),
    ("孩子找不到了", Platform.POLICE_110),
    ("他说要跳楼", Platform.POLICE_110),
    ("救命啊", Platform.POLICE_110),
    ("楼下两伙人打起来了", Platform.POLICE_110),
    ("我老公又家暴我", Platform.POLICE_110),
    ("有人持刀抢劫", Platform.POLICE_110),
    ("厨房燃气泄漏了怎么办", Platform.FIRE_119),
    ("工厂爆炸了", Platform.FIRE_119),
    ("有人掉河里了", Platform.FIRE_119),
    ("电梯困人了 出不来", Platform.FIRE_119),
    ("我爸晕倒了没有呼吸", Platform.MEDICAL_120),
    ("一家人吃了蘑菇食物中毒", Platform.MEDICAL_120),
    ("路口出车祸了有人受伤流血", Platform.TRAFFIC_122),
    ("我女儿放学没回家 一直找不到了", Platform.POLICE_110),
    ("广场上发生踩踏", Platform.POLICE_110),
    ("有人喝农药了", Platform.POLICE_110),
    ("我妈走丢了，老年痴呆", Platform.POLICE_110),
]


@pytest.mark.parametrize(("text", "platform"), CALLER_EMERGENCIES)
def test_caller_emergencies_are_caught(triager: Triager, text: str, platform: Platform) -> None:
    d = triager.triage(text)
    assert d.emergency, d.reasons
    assert d.platform == platform
    assert d.request_type == RequestType.HELP
    assert any(r.words for r in d.reasons if not r.rule.startswith("model"))


@pytest.mark.parametrize(
    "text",
    [
        "我家著火了，快來人",  # Traditional characters
        "着火嘞 快点来",  # dialect particle
        "隔壁走水了",  # old/dialect word for fire
        "我屋企火烛呀",  # Cantonese
        "有人劈友",  # Cantonese: slashing
        "There is a fire in my building, help!",
        "someone has a knife and is attacking people",
        "I smell gas in my kitchen",
    ],
)
def test_odd_phrasings_of_emergencies(triager: Triager, text: str) -> None:
    d = triager.triage(text)
    assert d.emergency
    assert d.platform in EMERGENCY_PLATFORMS


@pytest.mark.parametrize(
    "text",
    [
        "请问孩子入学需要什么材料？",
        "小区物业乱收停车费，希望有关部门管一管",
        "我们小区的消防通道被占用，存在火灾隐患，请相关部门处理",
        "建议在学校门口增设红绿灯，防止发生交通事故",
        "公司拖欠工资三个月了，我要投诉",
        "楼下餐馆油烟扰民严重",
        "社保卡丢了怎么补办",
        "A3区某路段路灯不亮已经一个月",
    ],
)
def test_typical_citizen_requests_stay_with_12345(triager: Triager, text: str) -> None:
    d = triager.triage(text)
    assert d.platform == Platform.HOTLINE_12345
    assert not d.emergency
    assert d.category is not None


def test_crime_report_goes_to_110_without_emergency(triager: Triager) -> None:
    d = triager.triage("我的电动车昨晚被偷了")
    assert d.platform == Platform.POLICE_110
    assert not d.emergency
    assert any(r.rule == "crime-victim-report" and "被偷" in r.words for r in d.reasons)


def test_utility_fault_goes_to_utility(triager: Triager) -> None:
    assert triager.triage("家里突然停电了").platform == Platform.UTILITY
    assert triager.triage("小区门口水管爆裂了").platform == Platform.UTILITY


def test_out_of_scope_gets_guidance(triager: Triager) -> None:
    d = triager.triage("法院判决已经生效，我想申请强制执行")
    assert d.platform == Platform.OUT_OF_SCOPE
    assert d.guidance and d.guidance[0].number == "12368"


def test_emergency_beats_everything_else(triager: Triager) -> None:
    # A caller reporting a fire in an out-of-scope or utility context is still an emergency (policy 二(二)1).
    d = triager.triage("停电了，电线着火了，快来人")
    assert d.emergency and d.platform in EMERGENCY_PLATFORMS


def test_request_types(triager: Triager) -> None:
    assert triager.triage("请问公积金怎么提取？").request_type == RequestType.CONSULT
    assert triager.triage("我要投诉某超市卖过期食品").request_type == RequestType.COMPLAINT
    assert triager.triage("举报某工厂夜间偷排污水").request_type == RequestType.REPORT
    assert triager.triage("建议增加公交线路").request_type == RequestType.SUGGESTION
    assert triager.triage("家里困难，求助低保").request_type == RequestType.HELP


def test_decision_is_json_serialisable_and_complete(triager: Triager) -> None:
    d = triager.triage("A市A3区桂花路的小区垃圾堆积如山，臭气熏天")
    data = d.contract()
    for key in ("platform", "emergency", "category", "request_type", "confidence", "uncertain", "reasons"):
        assert key in data
    assert data["platform"] == "12345"
    assert Decision.model_validate_json(d.model_dump_json()) == d
    assert d.domain is not None
    assert d.rules_version == triager.rules.label
    assert any("桂花路" in loc for loc in d.locations)


def test_module_function_uses_the_shipped_engine() -> None:
    assert triage("我家着火了").platform == Platform.FIRE_119


def test_petition_mentioning_a_past_fire_stays_12345_but_is_flagged(triager: Triager) -> None:
    text = "尊敬的领导您好！我们小区去年起火后，物业至今未修复消防设施，希望有关部门督促整改，谢谢"
    d = triager.triage(text)
    assert d.platform == Platform.HOTLINE_12345
    assert not d.emergency
    assert d.uncertain
    assert any(r.rule == "police-evidence-not-decisive" for r in d.reasons)


def test_overwhelming_danger_is_never_damped(triager: Triager) -> None:
    text = "领导您好，希望有关部门快来！楼下有人持刀砍人，已经有人受伤流血倒地，救命"
    d = triager.triage(text)
    assert d.emergency and d.platform == Platform.POLICE_110


# Citizen requests that only narrate, negate or compare (found on the unlabelled board messages, not on dev).
CITIZEN_REQUESTS_THAT_STAY = [
    "A市某路口红绿灯故障，近期两车发生碰撞，所幸无人员伤亡，请尽快修复",
    "夜里货车经过，楼房震得像地震一样，严重影响休息，请交通部门限行",
    "请政府救救我们这些职工吧，购房款交了三年还没拿到房",
    "小区的救命通道被车堵死了，物业不作为，请有关部门整治",
    "车行道未建就交房，存在安全隐患，主管部门迟迟不整改",
    "我家人去年出车祸，医疗费报销一直办不下来，想咨询流程",
    "希望C市补课现象不再卷土重来，学生身体受伤害",
    # Hypothetical, comparison, habit, a danger word inside another word, pollution, a wounded feeling
    # (written from the train-side board messages, not from dev).
    "如果货车自燃发生爆炸，后果不堪设想，请交警部门管一管",
    "物业乱收停车费，这跟抢劫有什么区别",
    "这条街上打架斗殴的事时有发生，请社区加强管理",
    "消防通道堵塞就像一颗不定时炸弹，请物业整改",
    "化工厂每天排放有毒气体，臭味很重，请环保局查处",
    "2017年教师招聘考试公正性遭人质疑，请教育局公开成绩",
    "去年路口发生交通事故，赔偿问题伤透了心，请交警部门答复",
]


@pytest.mark.parametrize("text", CITIZEN_REQUESTS_THAT_STAY)
def test_citizen_requests_that_narrate_or_negate_stay_with_12345(triager: Triager, text: str) -> None:
    d = triager.triage(text)
    assert d.platform == Platform.HOTLINE_12345, d.reasons
    assert not d.emergency


@pytest.mark.parametrize(
    ("text", "platform"),
    [
        ("着火了！安全隐患早就有，物业不作为，快来人", Platform.FIRE_119),
        ("有人在小区里打架，拿着刀，物业没人管", Platform.POLICE_110),
        ("我家孩子不见了，找了两个小时，派出所快帮忙", Platform.POLICE_110),
        ("车祸了，有人受伤倒地，医疗费谁出先不管，快叫救护车", None),
        ("没有人员受伤但是楼里着火了，浓烟很大", Platform.FIRE_119),
        # A not-now word in another clause does not cancel the danger of this one.
        ("如果再不来就出人命了，有人拿刀砍人", Platform.POLICE_110),
        ("邻居经常吵架，今天他拿刀砍人了", Platform.POLICE_110),
        ("我老公经常家暴我", Platform.POLICE_110),  # spoken habit words are not not-now markers
        ("我担心他随时可能跳楼", Platform.POLICE_110),  # nor are fear and likelihood
        ("他说如果不还钱就跳楼", Platform.POLICE_110),  # a threat is conditional by nature
        ("工厂管道破裂，有毒气体泄漏了，有人晕倒了", None),
    ],
)
def test_emergencies_beside_oversight_or_negation_words_are_still_caught(
    triager: Triager, text: str, platform: Platform | None
) -> None:
    d = triager.triage(text)
    assert d.emergency, d.reasons
    assert d.platform == platform if platform else d.platform in EMERGENCY_PLATFORMS


def test_petition_words_of_a_written_appeal_damp_a_narrated_beating(triager: Triager) -> None:
    petition = "去年开发商雇人殴打业主，我们老百姓苦不堪言，强烈要求政府部门严查"
    d = triager.triage(petition)
    assert d.platform == Platform.HOTLINE_12345 and not d.emergency
    assert d.uncertain  # a person still checks it (三方通话)
    caller = triager.triage("有人在小区门口殴打业主，快来")
    assert caller.emergency and caller.platform == Platform.POLICE_110


# Rules 2024.4: a written appeal narrating a dated past event stays with 12345 (flagged); a caller's
# present-tense report of the same danger stays an emergency (train-side board messages, not dev).
@pytest.mark.parametrize(
    ("appeal", "caller", "platform"),
    [
        (
            "尊敬的领导您好，2018年5月3日景区发生交通事故，事故造成两人当场死亡，医疗费至今没有着落，恳请政府做主",
            "景区门口出车祸了，有人当场死亡，快来",
            Platform.TRAFFIC_122,
        ),
        (
            "尊敬的领导：当时开发商的人拿刀砍伤了两名业主，请求政府部门严查，维护我们的合法权益",
            "现在有人在砍人",
            Platform.POLICE_110,
        ),
        (
            "尊敬的领导您好，去年小区门口发生爆炸，事发当天浓烟滚滚，至今无人问津，恳请有关部门答复",
            "快来，着火了",
            Platform.FIRE_119,
        ),
    ],
)
def test_a_dated_past_event_in_a_written_appeal_is_not_danger_now(
    triager: Triager, appeal: str, caller: str, platform: Platform
) -> None:
    d = triager.triage(appeal)
    assert d.platform == Platform.HOTLINE_12345 and not d.emergency, d.reasons
    assert d.uncertain
    c = triager.triage(caller)
    assert c.emergency and c.platform == platform, c.reasons


@pytest.mark.parametrize(
    "text",
    [
        "领导，现在小区里着火了，大火烧到三楼",  # dated now, not past
        "您好，快来，着火了，火很大",  # one greeting is no written appeal
        "您好，楼下有人受伤了，流了很多血",
    ],
)
def test_danger_now_in_polite_words_is_still_an_emergency(triager: Triager, text: str) -> None:
    d = triager.triage(text)
    assert d.emergency and d.platform in EMERGENCY_PLATFORMS, d.reasons


@pytest.mark.parametrize(
    ("text", "platform"),
    [
        ("尊敬的领导您好，现在小区里着火了，恳请有关部门快来", Platform.FIRE_119),
        ("您好，请问现在有人在砍人怎么办，快来", Platform.POLICE_110),
        ("尊敬的领导：小区门口正在着火，浓烟很大，请有关部门赶紧处理！", Platform.FIRE_119),
        ("尊敬的领导，您好，我要反映，楼下刚刚有人持刀砍人，恳请政府部门严查", Platform.POLICE_110),
    ],
)
def test_danger_marked_now_is_an_emergency_however_politely_written(
    triager: Triager, text: str, platform: Platform
) -> None:
    # Rules 2024.5: petition evidence never outweighs a hit marked as happening now (正在, 刚刚) or a call for help.
    d = triager.triage(text)
    assert d.emergency and d.platform == platform, d.reasons


@pytest.mark.parametrize(
    "text",
    [
        "尊敬的领导您好，小区去年发生火灾，至今无人处理，恳请有关部门尽快来处理",  # 尽快来: prompt handling
        "尊敬的领导：消防通道被占，这是我们的救命通道，发生火灾怎么办？恳请政府部门严查",  # 救命 as an adjective
        "尊敬的领导：社区管理不作为，去年刚刚发生一起火灾，至今无人问津，强烈要求有关部门严查",  # dated: narrated
    ],
)
def test_now_markers_in_a_written_appeal_do_not_make_a_narration_urgent(triager: Triager, text: str) -> None:
    d = triager.triage(text)
    assert d.platform == Platform.HOTLINE_12345 and not d.emergency, d.reasons
