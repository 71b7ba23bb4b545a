"""Kinds of organisation and division levels."""

from enum import StrEnum


class OrgKind(StrEnum):
    HOTLINE_12345 = "hotline_12345"  # 12345 热线中心
    POLICE_110 = "police_110"  # 110 指挥中心
    FIRE_119 = "fire_119"
    MEDICAL_120 = "medical_120"
    TRAFFIC_122 = "traffic_122"
    UTILITY_WATER = "utility_water"
    UTILITY_POWER = "utility_power"
    UTILITY_GAS = "utility_gas"
    UTILITY_HEATING = "utility_heating"
    GOVERNMENT = "government"  # 区县/乡镇人民政府
    DEPARTMENT = "department"  # 职能部门
    STREET_OFFICE = "street_office"  # 街道办事处
    POLICE_STATION = "police_station"  # 派出所 / 分局 (警单管辖单位)
    ENTERPRISE = "enterprise"  # 公共服务企业


HOTLINE_KINDS = {
    OrgKind.HOTLINE_12345,
    OrgKind.POLICE_110,
    OrgKind.FIRE_119,
    OrgKind.MEDICAL_120,
    OrgKind.TRAFFIC_122,
    OrgKind.UTILITY_WATER,
    OrgKind.UTILITY_POWER,
    OrgKind.UTILITY_GAS,
    OrgKind.UTILITY_HEATING,
}

# Organisations that may be assigned 工单 as 承办单位.
HANDLING_UNIT_KINDS = {
    OrgKind.GOVERNMENT,
    OrgKind.DEPARTMENT,
    OrgKind.STREET_OFFICE,
    OrgKind.ENTERPRISE,
    OrgKind.UTILITY_WATER,
    OrgKind.UTILITY_POWER,
    OrgKind.UTILITY_GAS,
    OrgKind.UTILITY_HEATING,
}


class DivisionLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
