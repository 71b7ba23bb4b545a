"""Decision and handling-unit schemas returned by triage (JSON-serialisable pydantic models)."""

from pydantic import BaseModel, ConfigDict, Field

from liandong.triage.enums import Domain, Platform, RequestType


class Reason(BaseModel):
    """Why the decision came out as it did: a rule (or model) and the words that fired."""

    rule: str
    words: list[str] = Field(default_factory=list)
    detail: str = ""


class Guide(BaseModel):
    """Where to send an out-of-scope caller."""

    id: str
    title: str
    body: str
    number: str | None = None
    channel: str


class Decision(BaseModel):
    """The triage of one request: platform, emergency, classification and why."""

    model_config = ConfigDict(use_enum_values=False)

    platform: Platform
    emergency: bool
    reasons: list[Reason]
    request_type: RequestType | None
    category: str | None
    category_confidence: float = Field(ge=0.0, le=1.0)
    domain: Domain | None
    confidence: float = Field(ge=0.0, le=1.0)
    uncertain: bool
    locations: list[str] = Field(default_factory=list)
    guidance: list[Guide] = Field(default_factory=list)
    rules_version: str
    model_version: str | None = None

    def contract(self) -> dict[str, object]:
        """The batch CLI contract fields plus the rest, as plain JSON types."""
        return self.model_dump(mode="json")


class UnitProfile(BaseModel):
    """A handling unit (承办单位) as the organisations table describes it."""

    id: str
    name: str
    regions: list[str] = Field(default_factory=list, description="adcodes served, any level (2-12 digits)")
    categories: list[str] = Field(default_factory=list, description="categories handled; empty means any")


class UnitCandidate(BaseModel):
    """A ranked handling-unit suggestion."""

    id: str
    name: str
    score: float = Field(ge=0.0, le=1.0)
    region_match: str
    category_match: bool
