"""Enumerations shared by several domains."""

from enum import StrEnum


class Platform(StrEnum):
    """Which platform takes a request (policy 二(一))."""

    HOTLINE_12345 = "12345"
    POLICE_110 = "110"
    FIRE_119 = "119"
    MEDICAL_120 = "120"
    TRAFFIC_122 = "122"
    UTILITY = "utility"
    OUT_OF_SCOPE = "out_of_scope"


class ReceivingPlatform(StrEnum):
    """The platform that first received a request (先行受理 falls to it)."""

    HOTLINE_12345 = "12345"
    POLICE_110 = "110"
