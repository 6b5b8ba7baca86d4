"""Customer money-laundering risk rating (洗钱风险等级, domain.md §6.2): high / medium / low with
the reasons, assigned at opening and recomputed on events. Pure; the factors are data.

A remote (non-face-to-face) Class II account is the platform's only product and channel, so
it is the baseline, not a reason by itself; what moves a customer up is what they did or who
they are on a list.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class RatingFacts:
    list_hits: tuple[str, ...] = ()
    blocked: bool = False  # staff blocked the customer after a risk alert
    escalated_cases: int = 0  # open suspicious-transaction cases
    alerts_90d: int = 0  # alerts raised in the last 90 days (any rule, not dismissed)
    serious_alerts_90d: int = 0  # of those, rules whose action is hold or block
    large_value_days_90d: int = 0  # days with a large-value report line
    card_changes_365d: int = 0
    local_customer: bool | None = None  # None: unknown (opened before the rule was stored)
    account_age_days: int | None = None


@dataclass(frozen=True)
class RatingPolicy:
    high_serious_alerts: int = 2
    medium_alerts: int = 1
    medium_card_changes: int = 2
    review_months_high: int = 6  # enhanced due diligence: reviewed at least this often
    review_months_medium: int = 12
    review_months_low: int = 36


@dataclass(frozen=True)
class Rating:
    level: Level
    reasons: tuple[str, ...]

    def review_months(self, policy: RatingPolicy = RatingPolicy()) -> int:
        return {Level.HIGH: policy.review_months_high, Level.MEDIUM: policy.review_months_medium,
                Level.LOW: policy.review_months_low}[self.level]


def rate(f: RatingFacts, policy: RatingPolicy = RatingPolicy()) -> Rating:
    """The level is the highest any factor reaches; every factor found is a reason."""
    high: list[str] = []
    medium: list[str] = []
    if f.list_hits:
        high.append("WATCHLIST_HIT")
    if f.blocked:
        high.append("BLOCKED_AFTER_ALERT")
    if f.escalated_cases:
        high.append("SUSPICIOUS_CASE_OPEN")
    if f.serious_alerts_90d >= policy.high_serious_alerts:
        high.append("REPEATED_SERIOUS_ALERTS")
    if f.alerts_90d >= policy.medium_alerts:
        medium.append("RECENT_ALERTS")
    if f.large_value_days_90d:
        medium.append("LARGE_VALUE_TRANSACTIONS")
    if f.card_changes_365d >= policy.medium_card_changes:
        medium.append("FREQUENT_CARD_CHANGES")
    if f.local_customer is False:
        medium.append("OUT_OF_AREA_CUSTOMER")
    if high:
        return Rating(Level.HIGH, tuple(high + medium))
    if medium:
        return Rating(Level.MEDIUM, tuple(medium))
    return Rating(Level.LOW, ("NO_RISK_FACTORS",))
