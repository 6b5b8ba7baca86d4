"""Each §6.1 rule on its own boundary: hits one step past its threshold, not at it; plus how
hits combine into one decision (strongest action wins, logins alert, a passed step-up)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from opendeposit.risk.domain import Action, RuleInvalid, next_version
from opendeposit.risk.rules import CATALOGUE
from tests.unit.risk.world import NOON, K, World, event

YUAN = 100


def test_velocity_per_phone_device_and_ip() -> None:
    w = World()
    hits = [w.codes(event(K.TOP_UP, 100, at=NOON + timedelta(minutes=i))) for i in range(9)]
    assert all("VELOCITY_PHONE" not in h for h in hits[:8])  # 8 moves in an hour: fine
    assert "VELOCITY_PHONE" in hits[8]  # the 9th
    assert "VELOCITY_DEVICE" not in hits[8]  # one customer's device: the phone's count
    w = World()  # one device, two customers taking turns: counted across both
    hits = [w.codes(event(K.TOP_UP, 100, customer=1 + i % 2, at=NOON + timedelta(minutes=i)))
            for i in range(9)]
    assert "VELOCITY_DEVICE" not in hits[7] and "VELOCITY_DEVICE" in hits[8]
    assert not any("VELOCITY_PHONE" in h for h in hits)
    later = w.codes(event(K.TOP_UP, 100, at=NOON + timedelta(minutes=70)))
    assert "VELOCITY_PHONE" not in later  # the window moved on
    w = World()
    logins = [w.codes(event(K.LOGIN, customer=n, device=f"d{n}",
                            at=NOON + timedelta(seconds=n))) for n in range(31)]
    assert "VELOCITY_IP" not in logins[29] and "VELOCITY_IP" in logins[30]


def test_rapid_in_and_out() -> None:
    w = World()
    assert not w.codes(event(K.TOP_UP, 30_000 * YUAN))
    d = w.judge(event(K.WITHDRAW, 27_000 * YUAN, at=NOON + timedelta(hours=2)),
                balance=30_000 * YUAN)
    assert d.action is Action.HOLD and d.by("RAPID_IN_OUT") is not None
    assert d.by("RAPID_IN_OUT").evidence == {"inflow": 3_000_000, "outflow": 2_700_000,
                                             "left": 300_000, "window_hours": 24}
    w = World()
    w.judge(event(K.TOP_UP, 30_000 * YUAN))
    assert "RAPID_IN_OUT" not in w.codes(event(K.WITHDRAW, 26_900 * YUAN), 30_000 * YUAN)
    w = World()
    w.judge(event(K.TOP_UP, 30_000 * YUAN))  # most leaves, but a large balance stays
    assert "RAPID_IN_OUT" not in w.codes(event(K.WITHDRAW, 29_000 * YUAN), 500_000 * YUAN)
    w = World()
    w.judge(event(K.TOP_UP, 19_999 * YUAN))  # below the inflow that counts
    assert "RAPID_IN_OUT" not in w.codes(event(K.WITHDRAW, 19_999 * YUAN), 19_999 * YUAN)
    w = World()
    w.judge(event(K.TOP_UP, 30_000 * YUAN, at=NOON - timedelta(hours=25)))  # outside 24 h
    assert "RAPID_IN_OUT" not in w.codes(event(K.WITHDRAW, 30_000 * YUAN), 30_000 * YUAN)


def test_buy_then_early_withdraw_cycles() -> None:
    w = World()
    first = w.codes(event(K.EARLY_WITHDRAWAL, 5_000 * YUAN, held_days=3))
    second = w.codes(event(K.EARLY_WITHDRAWAL, 5_000 * YUAN, held_days=7,
                           at=NOON + timedelta(days=6)))
    assert "BUY_EARLY_WITHDRAW" not in first and "BUY_EARLY_WITHDRAW" in second
    w = World()
    w.judge(event(K.EARLY_WITHDRAWAL, 100, held_days=3))
    assert "BUY_EARLY_WITHDRAW" not in w.codes(event(K.EARLY_WITHDRAWAL, 100, held_days=8))
    w = World()
    w.judge(event(K.EARLY_WITHDRAWAL, 100, held_days=3, at=NOON - timedelta(days=31)))
    assert "BUY_EARLY_WITHDRAW" not in w.codes(event(K.EARLY_WITHDRAWAL, 100, held_days=1))


def test_first_large_top_up_from_a_newly_bound_card() -> None:
    w = World()
    w.judge(event(K.CARD_CHANGE, at=NOON - timedelta(days=3)))
    w.judge(event(K.TOP_UP, 10_000 * YUAN, at=NOON - timedelta(days=1)))  # small first
    d = w.judge(event(K.TOP_UP, 50_000 * YUAN))
    assert d.by("NEW_CARD_LARGE_DEPOSIT") is not None and d.action is Action.STEP_UP
    assert "NEW_CARD_LARGE_DEPOSIT" not in w.codes(event(K.TOP_UP, 60_000 * YUAN))  # not first
    w = World()
    w.judge(event(K.CARD_CHANGE, at=NOON - timedelta(days=31)))
    assert "NEW_CARD_LARGE_DEPOSIT" not in w.codes(event(K.TOP_UP, 90_000 * YUAN))  # old card
    w = World(opened_days_ago=2)  # the card bound at opening: only when configured
    assert "NEW_CARD_LARGE_DEPOSIT" not in w.codes(event(K.TOP_UP, 90_000 * YUAN))
    w = World(opened_days_ago=2)
    assert "NEW_CARD_LARGE_DEPOSIT" in w.codes(
        event(K.TOP_UP, 90_000 * YUAN), NEW_CARD_LARGE_DEPOSIT={"include_opening_card": 1})


def test_night_bursts_in_beijing_time() -> None:
    night = NOON.replace(hour=18, minute=30)  # 02:30 Beijing
    w = World()
    codes = [w.codes(event(K.TOP_UP, 100 * YUAN, at=night + timedelta(minutes=5 * i)))
             for i in range(4)]
    assert "NIGHT_BURST" not in codes[2] and "NIGHT_BURST" in codes[3]
    w = World()
    day = [w.codes(event(K.TOP_UP, 100 * YUAN, at=NOON + timedelta(minutes=5 * i)))
           for i in range(5)]
    assert not any("NIGHT_BURST" in c for c in day)
    w = World()  # a window across midnight (22:00–06:00) wraps
    late = NOON.replace(hour=14, minute=30)  # 22:30 Beijing
    codes = [w.codes(event(K.TOP_UP, 100, at=late + timedelta(minutes=i)),
                     NIGHT_BURST={"night_start_hour": 22, "night_end_hour": 6})
             for i in range(4)]
    assert "NIGHT_BURST" in codes[3]


def test_sudden_activity_on_a_long_dormant_account() -> None:
    w = World()
    w.judge(event(K.TOP_UP, 100, at=NOON - timedelta(days=181)))
    d = w.judge(event(K.WITHDRAW, 10_000 * YUAN))
    assert d.by("DORMANT_REACTIVATION").evidence["idle_days"] == 181
    w = World()
    w.judge(event(K.TOP_UP, 100, at=NOON - timedelta(days=179)))
    assert "DORMANT_REACTIVATION" not in w.codes(event(K.WITHDRAW, 10_000 * YUAN))
    w = World(opened_days_ago=200)  # never used since opening
    assert "DORMANT_REACTIVATION" not in w.codes(event(K.TOP_UP, 9_999 * YUAN))
    w = World(opened_days_ago=200)
    d = w.judge(event(K.TOP_UP, 10_000 * YUAN))
    assert d.by("DORMANT_REACTIVATION").evidence["since"] == "opening"


def test_new_device_right_after_a_pin_reset_or_card_change() -> None:
    w = World()
    w.judge(event(K.LOGIN, device="old", at=NOON - timedelta(days=30)))
    w.judge(event(K.PIN_RESET, device="old", at=NOON - timedelta(hours=2)))
    d = w.judge(event(K.WITHDRAW, 100, device="new"))
    assert d.by("NEW_DEVICE_AFTER_RESET").evidence["after"] == "pin_reset"
    assert d.action is Action.STEP_UP
    assert "NEW_DEVICE_AFTER_RESET" not in w.codes(event(K.WITHDRAW, 100, device="old"))
    login = w.judge(event(K.LOGIN, device="newer"))
    assert login.by("NEW_DEVICE_AFTER_RESET").action is Action.ALERT  # logins only alert
    assert login.action is Action.ALLOW
    w = World()
    w.judge(event(K.CARD_CHANGE, device="old", at=NOON - timedelta(hours=73)))
    assert "NEW_DEVICE_AFTER_RESET" not in w.codes(event(K.WITHDRAW, 100, device="new"))
    w = World()  # an unknown (not server-issued) device counts as new
    w.judge(event(K.LOGIN, device="x", at=NOON - timedelta(days=9)))
    w.judge(event(K.PIN_RESET, device="x", at=NOON - timedelta(hours=1)))
    assert "NEW_DEVICE_AFTER_RESET" in w.codes(event(K.TOP_UP, 100, device="x"), known=False)


def test_device_and_ip_shared_across_customers() -> None:
    w = World()
    codes = [w.codes(event(K.LOGIN, customer=n, device="shared", ip=f"10.0.0.{n}"))
             for n in range(1, 5)]
    assert "SHARED_DEVICE" not in codes[2] and "SHARED_DEVICE" in codes[3]
    assert "SHARED_DEVICE" not in w.codes(event(K.LOGIN, customer=1, device="shared"),
                                          SHARED_DEVICE={"max_customers": 4})
    w = World()
    codes = [w.codes(event(K.LOGIN, customer=n, device=f"d{n}", ip="203.0.113.9",
                           at=NOON + timedelta(minutes=n))) for n in range(1, 12)]
    assert "SHARED_IP" not in codes[9] and "SHARED_IP" in codes[10]


def test_watch_list_hit_blocks_everything() -> None:
    w = World()
    w.lists = ("phone", "device")
    for kind in (K.LOGIN, K.TOP_UP, K.WITHDRAW, K.PURCHASE, K.PIN_RESET):
        d = w.judge(event(kind, 100))
        assert d.action is Action.BLOCK and d.by("WATCHLIST").evidence == {
            "lists": ["phone", "device"]}


def test_small_probes_and_new_account_turnover() -> None:
    w = World()
    codes = [w.codes(event(K.TOP_UP, 1, at=NOON + timedelta(minutes=i))) for i in range(5)]
    assert "SMALL_PROBES" not in codes[3] and "SMALL_PROBES" in codes[4]
    w = World(opened_days_ago=10)
    w.judge(event(K.TOP_UP, 150_000 * YUAN))
    assert "NEW_ACCOUNT_TURNOVER" in w.codes(event(K.WITHDRAW, 50_000 * YUAN))
    w = World(opened_days_ago=31)
    w.judge(event(K.TOP_UP, 150_000 * YUAN))
    assert "NEW_ACCOUNT_TURNOVER" not in w.codes(event(K.WITHDRAW, 50_000 * YUAN))


def test_frequent_card_changes() -> None:
    w = World()
    codes = [w.codes(event(K.CARD_CHANGE, at=NOON + timedelta(days=30 * i))) for i in range(3)]
    assert "FREQUENT_CARD_CHANGE" not in codes[1] and "FREQUENT_CARD_CHANGE" in codes[2]


def test_the_strongest_action_wins_and_a_passed_step_up_satisfies_only_step_up() -> None:
    w = World()
    w.lists = ("card",)
    for i in range(8):
        w.apply(event(K.TOP_UP, 100, at=NOON - timedelta(minutes=i + 1)))
    d = w.judge(event(K.TOP_UP, 100), stepped_up=True)
    assert {h.code for h in d.hits} >= {"WATCHLIST", "VELOCITY_PHONE"}
    assert d.action is Action.BLOCK  # a step-up never lifts a block
    w.lists = ()
    again = w.judge(event(K.TOP_UP, 100, at=NOON + timedelta(seconds=1)), stepped_up=True)
    assert again.by("VELOCITY_PHONE") is not None and again.action is Action.ALLOW
    assert w.judge(event(K.TOP_UP, 100, at=NOON + timedelta(seconds=2))).action is Action.STEP_UP


def test_disabled_and_observe_only_rules() -> None:
    from dataclasses import replace

    w = World()
    w.lists = ("phone",)
    w.rules = [replace(r, enabled=False) if r.code == "WATCHLIST" else r for r in w.rules]
    assert w.judge(event(K.TOP_UP, 100)).hits == ()
    w.rules = [replace(r, enabled=True, action=Action.ALLOW) if r.code == "WATCHLIST" else r
               for r in w.rules]
    d = w.judge(event(K.TOP_UP, 100))
    assert d.action is Action.ALLOW and d.by("WATCHLIST") is not None and d.alerts == ()


def test_ruleset_digest_changes_with_any_version() -> None:
    w = World()
    first = w.judge(event(K.LOGIN)).ruleset
    spec = CATALOGUE["NIGHT_BURST"]
    w.rules = [next_version(spec, r, thresholds={"min_moves": 5}) if r.code == spec.code else r
               for r in w.rules]
    assert w.judge(event(K.LOGIN)).ruleset != first


@pytest.mark.parametrize(("thresholds", "problems"), [
    ({"min_moves": 0}, 1), ({"min_moves": 1.5}, 1), ({"min_moves": "4"}, 1),
    ({"nope": 3, "window_minutes": 0}, 2), ({"min_moves": True}, 1),
])
def test_a_new_version_is_checked_whole(thresholds: dict, problems: int) -> None:
    spec = CATALOGUE["NIGHT_BURST"]
    with pytest.raises(RuleInvalid) as err:
        next_version(spec, spec.default(), thresholds=thresholds)
    assert len(err.value.details["problems"]) == problems


def test_a_new_version_keeps_what_it_does_not_change() -> None:
    spec = CATALOGUE["RAPID_IN_OUT"]
    v2 = next_version(spec, spec.default(), thresholds={"min_inflow": 5_000_000})
    v3 = next_version(spec, v2, action=Action.STEP_UP, enabled=False)
    assert (v3.version, v3.action, v3.enabled, v3.t("min_inflow"), v3.t("window_hours")) == (
        3, Action.STEP_UP, False, 5_000_000, 24)


def test_every_rule_documents_itself() -> None:
    for spec in CATALOGUE.values():
        assert spec.description and spec.description_zh and spec.kinds and spec.target
        default = spec.default()
        assert all(t.low <= default.t(t.name) <= t.high for t in spec.thresholds)
