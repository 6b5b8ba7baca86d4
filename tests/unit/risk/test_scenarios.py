"""The measurement set (small): reproducible for a seed, and the labelled fraud patterns are
caught — each one stopped (step-up, hold or block) or at least alerted — while few good
customers are stepped up."""

from __future__ import annotations

from opendeposit.risk import measure, scenarios
from opendeposit.risk.rules import default_rules


def test_the_same_seed_gives_the_same_events() -> None:
    a = scenarios.generate(seed=3, customers=60, months=2)
    b = scenarios.generate(seed=3, customers=60, months=2)
    c = scenarios.generate(seed=4, customers=60, months=2)
    assert a.events == b.events and a.events != c.events


def test_labelled_patterns_are_caught() -> None:
    s = scenarios.generate(seed=11, customers=500, months=6, fraud_share_percent=25)
    r = measure.run(s, default_rules())
    caught = r.alerted | r.intervened
    for pattern in scenarios.PATTERNS:
        episodes = r.of(pattern)
        assert episodes, pattern
        assert episodes <= caught, (pattern, len(episodes - caught))
        if pattern != "probing":  # probing only alerts by default
            assert len(episodes & r.intervened) >= 0.9 * len(episodes), pattern
    for code in ("RAPID_IN_OUT", "BUY_EARLY_WITHDRAW", "WATCHLIST", "DORMANT_REACTIVATION"):
        flagged = r.by_rule[code]
        assert len(flagged & r.positives) >= 0.9 * len(flagged), code
    normal = r.of("normal")
    assert len(normal & r.stepped_up) <= 0.1 * len(normal)
    assert "| RAPID_IN_OUT | rapid_in_out |" in measure.report(r)
