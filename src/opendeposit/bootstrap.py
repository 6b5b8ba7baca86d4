"""The app factory's other half: picks concrete adapters from the settings and builds Platform."""

from __future__ import annotations

from opendeposit.auth.adapters.wiring import build_wechat
from opendeposit.config import Settings
from opendeposit.db import Database
from opendeposit.esb.bus import build_bus
from opendeposit.esb.registry import RECEIPT_ISSUE
from opendeposit.esign.service import Esign
from opendeposit.identity.kit import build_identity
from opendeposit.notify import HttpSmsGateway, SandboxSms
from opendeposit.payments.adapters.http import HttpCardNetwork
from opendeposit.payments.adapters.memory import MemoryCardNetwork
from opendeposit.payments.adapters.sandbox import SandboxCardNetwork
from opendeposit.platform import Platform
from opendeposit.ratelimit import RateLimiter, parse_limits
from opendeposit.security import KeyRing, PinHasher, Vault
from opendeposit.sharedstate import build_shared_state


def build_platform(settings: Settings, *, db: Database | None = None) -> Platform:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = db or Database(settings.effective_database_url, pool_size=settings.db_pool_size,
                       max_overflow=settings.db_max_overflow)
    keys = KeyRing.load_or_create(settings.key_dir)
    vault = Vault(keys)
    sandbox: dict[str, object] = {}
    if settings.is_sandbox:
        cards = SandboxCardNetwork(db)
        sms = SandboxSms(db)
        sandbox.update(cards=cards, sms=sms)
        if settings.sandbox_card_network == "memory":
            cards = MemoryCardNetwork()  # type: ignore[assignment]
    else:
        if not settings.card_network_url or not settings.sms_gateway_url:
            raise SystemExit("production needs OPENDEPOSIT_CARD_NETWORK_URL and "
                             "OPENDEPOSIT_SMS_GATEWAY_URL")
        cards = HttpCardNetwork(settings.card_network_url,  # type: ignore[assignment]
                                secret=_party_secret(keys, "card_network"))
        sms = HttpSmsGateway(settings.sms_gateway_url,  # type: ignore[assignment]
                             secret=_party_secret(keys, "sms_gateway"))
    esign = Esign(settings, db)
    bus = build_bus(settings, db)
    bus.registry.consume(RECEIPT_ISSUE, esign.consume)
    identity = build_identity(
        settings, db, data_key=vault.cipher,
        registry_secret=b"" if settings.is_sandbox else _party_secret(keys, "citizen_registry"),
        elements_secret=b"" if settings.is_sandbox else _party_secret(keys, "card_network"),
        vendor_secret=_party_secret(keys, "liveness_vendor") if settings.liveness_vendor_url
        else b"")
    if settings.is_sandbox:
        sandbox["citizens"] = identity.registry
        identity.use_sandbox_elements(sandbox["cards"])
    shared = build_shared_state(settings.redis_url)
    pins = PinHasher(max_attempts=settings.pin_max_attempts)
    return Platform(settings=settings, db=db, vault=vault, pins=pins, cards=cards,
                    sms=sms, sandbox=sandbox, bus=bus, esign=esign, identity=identity,
                    shared=shared, limiter=RateLimiter(shared, parse_limits(settings.rate_limits)),
                    wechat=build_wechat(settings, db, sandbox))


def _party_secret(keys: KeyRing, party: str) -> bytes:
    """Production: the party's own secret must exist (never made up here)."""
    try:
        return keys.party_secret(party, create=False)
    except (FileNotFoundError, RuntimeError):
        raise SystemExit(f"production needs the {party} secret: OPENDEPOSIT_SECRET_"
                         f"{party.upper()} or {keys.directory}/{party}.secret "
                         "(see `opendeposit init production`)") from None
