"""One validated settings object for the whole platform."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
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
    max_content_chars: int = Field(default=20_000, ge=100, le=1_000_000)
    max_request_bytes: int = Field(default=1_048_576, ge=1024)
    page_size_max: int = Field(default=200, ge=1, le=10_000)
    log_level: str = "INFO"
    intake_rate_per_minute: int = Field(default=600, ge=1, description="per token and per caller number")

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
