"""Organisation and region schemas."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from liandong.reference.enums import OrgKind

CODE_PATTERN = r"^[A-Za-z0-9_.\-]{1,40}$"


class RegionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    full_name: str
    level: str
    parent_code: str | None


class OrganisationBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    kind: OrgKind
    uscc: str | None = Field(default=None, description="统一社会信用代码 (GB 32100), check digit validated")
    phone: str | None = Field(default=None, max_length=40)
    adcode: str | None = Field(default=None, max_length=12)
    parent_code: str | None = Field(default=None, pattern=CODE_PATTERN)
    regions: list[str] = Field(default_factory=list, max_length=500, description="adcodes served")
    categories: list[str] = Field(default_factory=list, max_length=500, description="categories handled")

    @field_validator("categories")
    @classmethod
    def _categories_clean(cls, value: list[str]) -> list[str]:
        cleaned = [c.strip() for c in value]
        if any(not c or len(c) > 80 for c in cleaned):
            raise ValueError("each category must be 1-80 characters")
        return list(dict.fromkeys(cleaned))


class OrganisationCreate(OrganisationBase):
    code: str = Field(pattern=CODE_PATTERN, description="Unified organisation code used across 12345 and 110")


class OrganisationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=120)
    phone: str | None = Field(default=None, max_length=40)
    active: bool | None = None
    regions: list[str] | None = Field(default=None, max_length=500)
    categories: list[str] | None = Field(default=None, max_length=500)


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    uscc: str | None
    name: str
    kind: str
    parent_id: int | None
    phone: str | None
    adcode: str | None
    active: bool
    regions: list[str]
    categories: list[str]
