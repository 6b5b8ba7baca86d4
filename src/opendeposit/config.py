"""Settings read once from the environment (prefix OPENDEPOSIT_) with embedded defaults."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    SANDBOX = "sandbox"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """One frozen settings object, built by the CLI or the app factory and passed down."""

    model_config = SettingsConfigDict(env_prefix="OPENDEPOSIT_", env_file=".env", frozen=True,
                                      extra="ignore")

    env: Environment = Environment.SANDBOX
    data_dir: Path = Path("var")
    database_url: str = Field(
        default="",
        validation_alias="DATABASE_URL",
        description="SQLAlchemy URL; empty means a SQLite file under data_dir.",
    )
    bank_name: str = "开源商业银行"
    bank_name_en: str = "OpenDeposit Demo Bank"
    public_url: str = "http://127.0.0.1:8000"
    token_ttl_minutes: int = 30
    sms_code_ttl_seconds: int = 300
    pin_max_attempts: int = 5
    ledger_chains: int = 16
    db_pool_size: int = 8
    max_body_bytes: int = 64 * 1024
    card_network_url: str = ""
    sandbox_card_network: str = Field(
        default="db", description="sandbox only: `db` (simulated cards, the demo) or `memory` "
        "(answers at once; for benchmarks of the platform's own path)")
    sms_gateway_url: str = ""

    @property
    def is_sandbox(self) -> bool:
        return self.env is Environment.SANDBOX

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'opendeposit.sqlite3').resolve()}"


def load_settings(**overrides: object) -> Settings:
    """Read the environment once; explicit overrides (from the CLI or tests) win."""
    return Settings(**overrides)  # type: ignore[arg-type]
