"""Rate limits on public endpoints, counted in fixed windows shared across workers.

Each limit has a name, a count and a window; a request names the limit and whose budget it
spends (a client IP, a customer, a device). Defaults follow api.md (Operations); any can be
changed or switched off with `OPENDEPOSIT_RATE_LIMITS="verify_upload=20/60,events_ip=off"`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from opendeposit.errors import TooManyRequests, ValidationFailed
from opendeposit.sharedstate import SharedState

log = logging.getLogger("opendeposit.ratelimit")


@dataclass(frozen=True)
class Limit:
    count: int  # requests allowed per window; 0 means no limit
    seconds: int


DEFAULT_LIMITS: dict[str, Limit] = {
    "ip": Limit(3000, 60),  # every /api and /admin request per client IP (carrier NAT: high)
    "customer": Limit(600, 60),  # every authenticated customer request per customer
    "staff": Limit(1200, 60),  # every authenticated staff request per staff member
    "login": Limit(20, 60),  # customer, WeChat and staff logins per client IP
    "login_subject": Limit(10, 300),  # logins per phone number or staff username
    "verify_number": Limit(30, 60),  # receipt check by number and code, per IP
    "verify_upload": Limit(10, 60),  # receipt check by uploaded PDF, per IP
    "events_device": Limit(600, 60),  # analytics intake per device
    "events_ip": Limit(3000, 60),  # analytics intake per IP
    "onboarding_upload": Limit(20, 60),  # ID card, face, residence photos per customer
    "onboarding_upload_ip": Limit(60, 60),  # the same per client IP
}


class RateLimited(TooManyRequests):
    code = "RATE_LIMITED"

    def __init__(self, name: str, retry_after: int) -> None:
        super().__init__(details={"limit": name, "retry_after": retry_after})
        self.headers = {"Retry-After": str(retry_after)}


class InvalidRateLimits(ValidationFailed):
    code = "INVALID_RATE_LIMITS"
    message_en = ("OPENDEPOSIT_RATE_LIMITS must read name=count/seconds (or name=off), "
                  "comma-separated.")
    message_zh = "限流配置格式不正确。"


def parse_limits(text: str, base: dict[str, Limit] | None = None) -> dict[str, Limit]:
    """`name=count/seconds` or `name=off`, comma-separated, over the defaults."""
    limits = dict(base or DEFAULT_LIMITS)
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or name not in limits:
            raise InvalidRateLimits(details={"item": item})
        if value == "off":
            limits[name] = Limit(0, 60)
            continue
        count, slash, seconds = value.partition("/")
        if not (slash and count.isdigit() and seconds.isdigit() and int(seconds) > 0):
            raise InvalidRateLimits(details={"item": item})
        limits[name] = Limit(int(count), int(seconds))
    return limits


class RateLimiter:
    def __init__(self, state: SharedState, limits: dict[str, Limit] | None = None) -> None:
        self.state = state
        self.limits = limits or dict(DEFAULT_LIMITS)

    async def check(self, name: str, subject: str | int) -> None:
        """Spend one request of `subject`'s budget under limit `name`; RateLimited when over."""
        limit = self.limits[name]
        if limit.count <= 0:
            return
        count, left = await self.state.hit(f"{name}:{subject}", window_seconds=limit.seconds)
        if count > limit.count:
            from opendeposit.observability.metrics import process_metrics

            process_metrics().rate_limited.labels(name).inc()
            raise RateLimited(name, max(1, math.ceil(left)))
