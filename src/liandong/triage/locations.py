"""Place names written in a request (省市区县 / 街道 / 路 / 小区), for the reference module to resolve to adcodes."""

import re

# A run of 2-12 Chinese characters or digits ending in an administrative or street suffix.
_PLACE = re.compile(
    r"[\u4e00-\u9fffA-Za-z0-9]{1,12}?"
    r"(?:省|自治区|市|自治州|地区|盟|区|县|旗|镇|乡|街道|村|社区|路|街|大道|巷|弄|小区|花园|广场|大厦|公园|医院|学校|车站|高速)"
)
_LEAD = re.compile(r"^(?:在|位于|住在|我在|我家在|地址是|地点是|就在|靠近|到|从|于)")
_SKIP = {
    "小区",
    "社区",
    "地区",
    "市区",
    "城区",
    "郊区",
    "景区",
    "街道",
    "农村",
    "学校",
    "医院",
    "公园",
    "广场",
    "马路",
}


def extract_locations(text: str, *, limit: int = 5) -> list[str]:
    """Distinct place mentions in text order, at most limit, scanning only the first 5,000 characters."""
    found: list[str] = []
    for m in _PLACE.finditer(text[:5000]):
        place = _LEAD.sub("", m.group(0))
        if len(place) < 2 or place in _SKIP or place in found:
            continue
        found.append(place)
        if len(found) >= limit:
            break
    return found
