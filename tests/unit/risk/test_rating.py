"""The AML risk rating: the highest level any factor reaches, with every reason."""

from __future__ import annotations

from opendeposit.risk.rating import Level, RatingFacts, rate


def test_no_factor_is_low() -> None:
    r = rate(RatingFacts())
    assert (r.level, r.reasons, r.review_months()) == (Level.LOW, ("NO_RISK_FACTORS",), 36)


def test_medium_factors() -> None:
    r = rate(RatingFacts(alerts_90d=1, large_value_days_90d=2, local_customer=False))
    assert r.level is Level.MEDIUM
    assert r.reasons == ("RECENT_ALERTS", "LARGE_VALUE_TRANSACTIONS", "OUT_OF_AREA_CUSTOMER")
    assert rate(RatingFacts(card_changes_365d=1)).level is Level.LOW
    assert rate(RatingFacts(card_changes_365d=2)).level is Level.MEDIUM


def test_high_wins_and_keeps_the_medium_reasons() -> None:
    r = rate(RatingFacts(list_hits=("phone",), alerts_90d=3))
    assert r.level is Level.HIGH and r.reasons == ("WATCHLIST_HIT", "RECENT_ALERTS")
    assert r.review_months() == 6
    for facts in (RatingFacts(blocked=True), RatingFacts(escalated_cases=1),
                  RatingFacts(serious_alerts_90d=2, alerts_90d=2)):
        assert rate(facts).level is Level.HIGH
    assert rate(RatingFacts(serious_alerts_90d=1, alerts_90d=1)).level is Level.MEDIUM
