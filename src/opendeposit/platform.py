"""The platform's dependencies in one place, built by `bootstrap`: the wiring object that routes
and commands unpack (a use case takes only what it uses, keyword by keyword)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opendeposit.auth.ports import WeChat
    from opendeposit.config import Settings
    from opendeposit.db import Database
    from opendeposit.eod import EodPlan
    from opendeposit.esb.bus import Bus
    from opendeposit.esign.service import Esign
    from opendeposit.identity.kit import IdentityKit
    from opendeposit.notify import SmsSender
    from opendeposit.payments.ports import CardNetwork
    from opendeposit.ratelimit import RateLimiter
    from opendeposit.security import PinHasher, Vault
    from opendeposit.sharedstate import SharedState


@dataclass
class Platform:
    settings: Settings
    db: Database
    vault: Vault
    pins: PinHasher
    cards: CardNetwork
    sms: SmsSender
    sandbox: dict[str, Any] = field(default_factory=dict)  # sandbox-only adapters by name
    bus: Bus = None  # type: ignore[assignment]  # set by bootstrap: outbox relay + transport
    esign: Esign = None  # type: ignore[assignment]  # the signature platform (lazy keys)
    identity: IdentityKit = None  # type: ignore[assignment]  # e-KYC ports (lazy models)
    shared: SharedState | None = None  # counters and revocations seen by every worker
    limiter: RateLimiter | None = None  # rate limits on public endpoints (ratelimit.py)
    token_cache: dict[str, Any] = field(default_factory=dict)  # auth: recently checked tokens
    wechat: WeChat | None = None  # the WeChat server API; None when WeChat login is off

    def eod_plan(self) -> EodPlan:
        """The end-of-day steps bound to this platform's database and ports."""
        from opendeposit.eod import standard_plan

        return standard_plan(db=self.db, vault=self.vault, cards=self.cards,
                             bank_name=self.settings.bank_name)
