"""One validated settings object for the whole platform."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev-secret-change-me", "password"}
DEV_SECRET = "dev-secret-change-me"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class NodeRole(StrEnum):
    """Which platform this deployment runs (policy 二(三)1: integrated or interconnected nodes)."""

    INTEGRATED = "integrated"
    HOTLINE_12345 = "12345"
    POLICE_110 = "110"


class Peer(BaseModel):
    """Another liandong node this one exchanges messages with (LIANDONG_PEERS, a JSON list)."""

    model_config = ConfigDict(extra="forbid")

    node_id: str = Field(min_length=1, max_length=64)
    role: NodeRole
    url: str = Field(default="", max_length=500, description="base URL, e.g. https://110.example.gov.cn")
    hmac_key: str = Field(min_length=1, max_length=512, repr=False)


class Settings(BaseSettings):
    """Platform settings, read from LIANDONG_* environment variables and an optional .env file."""

    model_config = SettingsConfigDict(env_prefix="LIANDONG_", env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite:///var/liandong.db"
    secret_key: str = DEV_SECRET
    node_role: NodeRole = NodeRole.INTEGRATED
    node_id: str = "liandong-local"
    city_adcode: str = Field(
        default="4301", description="Home city of the hotline centre, for address context"
    )
    data_dir: Path = Path("var")
    speech_model_dir: Path | None = Field(default=None, description="a larger CTranslate2 whisper model")
    max_recording_bytes: int = Field(default=100 * 1024 * 1024, ge=1024, description="largest call recording")
    max_content_chars: int = Field(default=20_000, ge=100, le=1_000_000)
    max_request_bytes: int = Field(default=1_048_576, ge=1024)
    page_size_max: int = Field(default=200, ge=1, le=10_000)
    log_level: str = "INFO"
    transfer_response_seconds_phone: int = Field(default=300, ge=10, description="受理反馈 deadline, phone")
    transfer_response_seconds_online: int = Field(
        default=4 * 3600, ge=60, description="受理反馈 deadline, online"
    )
    negotiation_seconds: int = Field(default=900, ge=30, description="三方通话 deadline before 先行受理")
    reminder_fraction: float = Field(
        default=0.2, gt=0, lt=1, description="remind when this share of time is left"
    )
    intake_rate_per_minute: int = Field(default=600, ge=1, description="per token and per caller number")
    rules_check_seconds: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description="how long a process trusts its view of the item list version in force",
    )
    auth_cache_seconds: float = Field(
        default=5.0, ge=0, le=300,
        description="how long a process reuses a checked token (revocation elsewhere takes this long; 0: never)",
    )  # fmt: skip
    report_font: Path | None = Field(default=None, description="CJK font (.ttf/.otf/.ttc) for PDF reports")
    peers: list[Peer] = Field(default_factory=list, description="peer nodes (JSON), see docs/exchange.md")
    exchange_transport: Literal["http", "shared_db"] = "http"
    exchange_database_url: str | None = Field(default=None, description="shared PostgreSQL of shared_db mode")

    @model_validator(mode="after")
    def _check_peers(self) -> Settings:
        for peer in self.peers:
            weak = peer.hmac_key.strip().lower() in PLACEHOLDER_SECRETS or len(peer.hmac_key) < 32
            if weak and self.environment != Environment.DEVELOPMENT:
                raise ValueError(f"peer {peer.node_id}: hmac_key must be a real secret of 32+ characters")
        if self.exchange_transport == "shared_db" and not self.exchange_database_url:
            raise ValueError("LIANDONG_EXCHANGE_DATABASE_URL is required with the shared_db transport")
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if (
            self.environment == Environment.PRODUCTION
            and self.secret_key.strip().lower() in PLACEHOLDER_SECRETS
        ):
            raise ValueError("LIANDONG_SECRET_KEY must be set to a real secret outside development")
        if self.environment == Environment.PRODUCTION and len(self.secret_key) < 32:
            raise ValueError("LIANDONG_SECRET_KEY must be at least 32 characters in production")
        if not self.database_url.startswith(("sqlite", "postgresql")):
            raise ValueError("LIANDONG_DATABASE_URL must be a sqlite:// or postgresql:// URL")
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, validated once."""
    return Settings()
