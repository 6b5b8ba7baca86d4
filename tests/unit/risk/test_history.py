"""The history summaries: bounded, pruned to the windows, and stored as JSON without loss."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from opendeposit.risk.history import (
    CAP,
    CustomerHistory,
    DeviceHistory,
    Event,
    EventKind,
    Horizons,
    IpHistory,
    customer_after,
    device_after,
    dump_customer,
    dump_device,
    dump_ip,
    ip_after,
    load_customer,
    load_device,
    load_ip,
)

T0 = datetime(2025, 6, 2, tzinfo=UTC)
events = st.lists(st.tuples(
    st.sampled_from(list(EventKind)), st.integers(0, 10**10), st.integers(0, 400 * 24 * 60),
    st.integers(1, 5), st.sampled_from(["a", "b", "c", None]), st.integers(0, 400)),
    max_size=60)


def _replay(items: list) -> tuple[CustomerHistory, DeviceHistory, IpHistory]:  # type: ignore[type-arg]
    c, d, i = CustomerHistory(opened_at=T0), DeviceHistory(), IpHistory()
    for kind, amount, minutes, customer, device, held in sorted(items, key=lambda x: x[2]):
        e = Event(customer, kind, T0 + timedelta(minutes=minutes), amount, device, "10.0.0.1",
                  held)
        c, d, i = customer_after(c, e, Horizons()), device_after(d, e, Horizons()), \
            ip_after(i, e, Horizons())
    return c, d, i


@settings(max_examples=60, deadline=None)
@given(events)
def test_json_round_trip_loses_nothing(items: list) -> None:  # type: ignore[type-arg]
    c, d, i = _replay(items)
    assert load_customer(dump_customer(c)) == c
    assert load_device(dump_device(d)) == d
    assert load_ip(dump_ip(i)) == i


@settings(max_examples=60, deadline=None)
@given(events)
def test_summaries_stay_small_and_inside_their_windows(items: list) -> None:  # type: ignore[type-arg]
    c, d, i = _replay(items)
    hz = Horizons()
    assert len(c.moves) <= CAP and len(d.events) <= CAP and len(i.customers) <= CAP
    # a list is pruned when it grows: it spans at most its window (rules filter by time too)
    assert not c.moves or all(m.at > c.moves[-1].at - hz.moves for m in c.moves)
    assert not c.logins or all(t > c.logins[-1] - hz.logins for t in c.logins)
    assert not c.card_changes or all(t > c.card_changes[-1] - hz.card_changes
                                     for t in c.card_changes)
    assert len(c.devices) <= 20


def test_what_each_event_changes() -> None:
    h = CustomerHistory(opened_at=T0, card_bound_at=T0)
    at = T0 + timedelta(days=3)
    h = customer_after(h, Event(1, EventKind.TOP_UP, at, 500, "d"), Horizons())
    h = customer_after(h, Event(1, EventKind.TOP_UP, at, 300, "d"), Horizons())
    assert (h.card_max_top_up, h.last_move_at, len(h.moves)) == (500, at, 2)
    assert h.device_first_seen("d") == at
    h = customer_after(h, Event(1, EventKind.CARD_CHANGE, at + timedelta(hours=1)), Horizons())
    assert (h.card_max_top_up, h.card_bound_at) == (0, at + timedelta(hours=1))
    h = customer_after(h, Event(1, EventKind.PIN_RESET, at + timedelta(hours=2)), Horizons())
    assert h.last_pin_reset_at == at + timedelta(hours=2)
    assert h.last_move_at == at  # neither is a customer money move (dormancy)
    h = customer_after(h, Event(1, EventKind.EARLY_WITHDRAWAL, at, 100, held_days=4), Horizons())
    assert [w.held_days for w in h.early_withdrawals] == [4]


def test_a_device_counts_each_customer_once() -> None:
    d = DeviceHistory()
    for customer in (1, 2, 1, 3, 2):
        d = device_after(d, Event(customer, EventKind.LOGIN, T0), Horizons())
    assert d.customer_count == 3 and [c for c, _ in d.customers] == [1, 2, 3]
    assert [k for _, k in d.events] == ["l"] * 5


def test_an_ip_forgets_customers_after_its_window() -> None:
    i = ip_after(IpHistory(), Event(1, EventKind.LOGIN, T0, ip="x"), Horizons())
    i = ip_after(i, Event(2, EventKind.LOGIN, T0 + timedelta(hours=25), ip="x"), Horizons())
    assert [c for c, _ in i.customers] == [2] and len(i.logins) == 1
