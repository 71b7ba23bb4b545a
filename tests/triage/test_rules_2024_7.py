"""Rules 2024.7: a caller's own words for a crime against them, crimes that are police matters in one word, 泄露 of data.

Found by probing the rules with callers' phrasings (a victim says 被人骗了 or 有人在砸我的车, not 诈骗罪); checked on the
train-side board messages, never on dev.
"""

import pytest

from liandong.triage import Platform, Triager
from liandong.triage.enums import EMERGENCY_PLATFORMS


@pytest.mark.parametrize(
    "text",
    [
        "我被人骗了五千块钱",
        "我刚刚被电信诈骗了，转了两万块",
        "我在网上被人诈骗了怎么办",
        "有人在砸我的车",
        "我家门被人撬开了",
        "我的手机在地铁上被扒了",
        "有人在我家门口恐吓我",
        "有人敲诈勒索我，不给钱就打我",
        "有个男的一直跟踪我",
        "我被人非法拘禁了，在一个宾馆里",
        "有人冒充警察骗钱",
        "有人在小区里吸毒",
        "举报有人贩毒",
        "小区有人卖淫嫖娼",
        "有人在公交车上猥亵女生",
        "有人偷拍女生裙底",
        "有人在网上卖枪",
        "我的车被人划了",
        "有人在小区里偷东西",
        "我被传销组织骗进去了，现在出来了",
        "有人冒充客服让我转账",
    ],
)
def test_callers_crime_reports_go_to_110(triager: Triager, text: str) -> None:
    d = triager.triage(text)
    assert d.platform == Platform.POLICE_110, d.reasons


@pytest.mark.parametrize("text", ["我被人打了", "有人往小区水池里投毒", "有人在井里下毒"])
def test_assault_and_poisoning_are_emergencies(triager: Triager, text: str) -> None:
    d = triager.triage(text)
    assert d.platform == Platform.POLICE_110
    assert d.emergency, d.reasons


@pytest.mark.parametrize(
    "text",
    [
        "快递面单撕不干净，容易泄露个人信息，建议改进设计",
        "我们公司泄露了客户信息怎么办",
        "有人故意泄露国家秘密",
    ],
)
def test_a_data_leak_is_no_gas_or_water_leak(triager: Triager, text: str) -> None:
    d = triager.triage(text)
    assert d.platform not in (Platform.FIRE_119, Platform.MEDICAL_120)
    assert not d.emergency, d.reasons


@pytest.mark.parametrize("text", ["厨房燃气泄露了，味道很大", "家里煤气泄露了", "天然气漏了"])
def test_a_gas_leak_written_either_way_is_an_emergency(triager: Triager, text: str) -> None:
    # 泄露 is how many callers write 泄漏: before 2024.7 these were 119 requests without the emergency flag.
    d = triager.triage(text)
    assert d.emergency, d.reasons
    assert d.platform == Platform.FIRE_119


@pytest.mark.parametrize(
    ("text", "platform"),
    [
        ("对面楼冒黑烟，好像着火了", Platform.FIRE_119),
        ("小孩头卡在栏杆里拔不出来", Platform.FIRE_119),
        ("有个小孩掉到水里了，快来人", Platform.FIRE_119),
        ("我妈胸口疼得厉害", Platform.MEDICAL_120),
        ("有个老人倒在路边不动了", Platform.MEDICAL_120),
        ("有人触电了", Platform.MEDICAL_120),
        ("工地上有人从架子上摔下来了", Platform.MEDICAL_120),
        ("被狗咬了，流了好多血", Platform.MEDICAL_120),
        ("有人吃了安眠药，叫不醒", None),
        ("我朋友喝了农药", None),
        ("有人拿着刀在街上乱砍", Platform.POLICE_110),
        ("我老公在打我", Platform.POLICE_110),
        ("一群人在打群架", Platform.POLICE_110),
        ("有人在抢小孩", Platform.POLICE_110),
        ("有人要杀我", Platform.POLICE_110),
        ("一辆货车撞了行人，人躺在地上", Platform.TRAFFIC_122),
    ],
)
def test_callers_everyday_words_for_danger_are_emergencies(
    triager: Triager, text: str, platform: Platform | None
) -> None:
    # Each of these was a 12345 request, or an emergency line without the flag, before 2024.7.
    d = triager.triage(text)
    assert d.emergency, d.reasons
    assert d.platform == platform if platform else d.platform in EMERGENCY_PLATFORMS


@pytest.mark.parametrize(
    "text",
    [
        # A consumer's refund complaint that feels cheated is a market matter, not a fraud report.
        "培训机构拖欠退款，感觉被骗了，请市场监管部门督促退费",
        # Campaign words around the serious crimes stay with whoever runs the campaign.
        "建议社区加强禁毒宣传，预防吸毒",
        "严厉打击卖淫嫖娼的宣传标语写错了字",
        # The same words as figures of speech or about things, in board messages.
        "楼下商铺噪音到凌晨，我每晚都要吃安眠药才能睡着",
        "工作压力大得让人喘不过气，希望规范加班",
        "有人把装修垃圾倒在路边，无人清理",
        "洒水车的警报声吵得好像爆炸一样，希望整改",
        "请打我电话告知处理结果",
        "山上有人乱砍滥伐树木",
    ],
)
def test_figures_of_speech_stay_with_12345(triager: Triager, text: str) -> None:
    d = triager.triage(text)
    assert d.platform == Platform.HOTLINE_12345, d.reasons
    assert not d.emergency
