"""Request schemas; personal data is masked in every read model."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from liandong.core.enums import ReceivingPlatform
from liandong.core.timeutil import as_utc, utcnow
from liandong.intake.enums import Channel

MAX_CONTENT_CHARS = 20_000
PHONE_PATTERN = r"^\+?[0-9][0-9\- ]{2,24}$"


class RequestBase(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channel: Channel
    content: str = Field(min_length=1, max_length=MAX_CONTENT_CHARS, description="诉求内容")
    title: str | None = Field(default=None, max_length=200)
    caller_name: str | None = Field(default=None, max_length=80)
    caller_phone: str | None = Field(default=None, pattern=PHONE_PATTERN, max_length=25)
    location_text: str | None = Field(default=None, max_length=500)
    adcode: str | None = Field(default=None, pattern=r"^\d{2,12}$", description="行政区划代码")
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    service_code: str | None = Field(default=None, max_length=40)


class RequestCreate(RequestBase):
    received_by: ReceivingPlatform = ReceivingPlatform.HOTLINE_12345
    received_at: datetime | None = None

    @field_validator("content")
    @classmethod
    def _content_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("content must not be blank")
        if "\x00" in value:
            raise ValueError("content must not contain NUL characters")
        return value

    @field_validator("received_at")
    @classmethod
    def _not_in_future(cls, value: datetime | None) -> datetime | None:
        if value is not None and as_utc(value) > utcnow() + timedelta(minutes=5):
            raise ValueError("received_at is in the future")
        return value


class RequestUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(default=None, max_length=200)
    location_text: str | None = Field(default=None, max_length=500)
    adcode: str | None = Field(default=None, pattern=r"^\d{2,12}$")


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


class RequestRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str | None
    channel: str
    received_by: str
    received_at: datetime
    status: str
    title: str | None
    content: str
    caller_name: str | None = Field(validation_alias="caller_name_masked")
    caller_phone: str | None = Field(validation_alias="caller_phone_masked")
    location_text: str | None
    adcode: str | None
    latitude: float | None
    longitude: float | None
    service_code: str | None
    triage: dict[str, Any] | None
    resolution_note: str | None
    attachments: list[AttachmentRead] = []


class GuideBody(BaseModel):
    """Guidance given to a caller whose matter is outside 12345 and 110 (policy 二(二)1)."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=2000)
    referral_body: str | None = Field(default=None, max_length=200)
    referral_phone: str | None = Field(default=None, max_length=40)
    referral_channel: str | None = Field(default=None, max_length=200)


class CloseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)
