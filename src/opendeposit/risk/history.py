"""Pure per-customer, per-device and per-IP history: small bounded summaries updated with each
event, so that the facts of an event come from three rows read by key, never from a scan of
the journal (domain.md §6.1 needs windows of minutes to a year, not the whole past).

Each summary keeps only what the rules look at, pruned to the longest window the current rules
use (`Horizons`) and capped in length; a cap that is reached only makes a count saturate above
every default threshold. Timestamps are UTC; JSON stores them as whole epoch seconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    """What a customer does that the rules see (commands, in the bank's words)."""

    LOGIN = "login"
    TOP_UP = "top_up"  # bound card → Class II (an inflow from outside the bank)
    WITHDRAW = "withdraw"  # Class II → bound card (an outflow)
    PURCHASE = "purchase"  # Class II → time deposit (stays in the bank)
    EARLY_WITHDRAWAL = "early_withdrawal"  # time deposit → Class II before maturity
    CARD_CHANGE = "card_change"
    PIN_RESET = "pin_reset"


MONEY = frozenset({EventKind.TOP_UP, EventKind.WITHDRAW, EventKind.PURCHASE,
                   EventKind.EARLY_WITHDRAWAL})
CAP = 200  # longest list kept in one summary
DEVICE_CUSTOMERS_KEPT = 50


@dataclass(frozen=True)
class Event:
    """One thing a customer did, as the rules need it. `device_id` is a verified
    server-issued id, or None for a device the platform did not issue (unknown)."""

    customer_id: int
    kind: EventKind
    at: datetime
    amount: int = 0
    device_id: str | None = None
    ip: str | None = None
    held_days: int | None = None  # early withdrawal: days the holding was held
    reference: str = ""


@dataclass(frozen=True)
class Move:
    at: datetime
    kind: EventKind
    amount: int


@dataclass(frozen=True)
class EarlyWithdrawal:
    at: datetime
    held_days: int


@dataclass(frozen=True)
class Horizons:
    """How far back each list reaches; `domain.horizons(rules)` derives them from the rules."""

    moves: timedelta = timedelta(hours=48)
    logins: timedelta = timedelta(hours=24)
    early_withdrawals: timedelta = timedelta(days=30)
    card_changes: timedelta = timedelta(days=365)
    device_events: timedelta = timedelta(hours=24)
    ip: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class CustomerHistory:
    opened_at: datetime | None = None
    card_bound_at: datetime | None = None
    card_max_top_up: int = 0  # the largest top-up received from the current bound card
    last_move_at: datetime | None = None
    last_login_at: datetime | None = None
    last_pin_reset_at: datetime | None = None
    last_card_change_at: datetime | None = None
    moves: tuple[Move, ...] = ()
    logins: tuple[datetime, ...] = ()
    early_withdrawals: tuple[EarlyWithdrawal, ...] = ()
    card_changes: tuple[datetime, ...] = ()
    devices: tuple[tuple[str, datetime], ...] = ()  # (device id, first seen), newest last

    def device_first_seen(self, device_id: str | None) -> datetime | None:
        return next((t for d, t in self.devices if d == device_id), None)


@dataclass(frozen=True)
class DeviceHistory:
    first_seen_at: datetime | None = None
    customers: tuple[tuple[int, datetime], ...] = ()  # (customer, first seen), the first 50
    customer_count: int = 0
    events: tuple[tuple[datetime, str], ...] = ()  # (at, "l" login | "m" money move)

    def knows(self, customer_id: int) -> bool:
        return any(c == customer_id for c, _ in self.customers)


@dataclass(frozen=True)
class IpHistory:
    customers: tuple[tuple[int, datetime], ...] = ()  # (customer, last seen)
    logins: tuple[datetime, ...] = ()


def _recent(items: Iterable[Any], since: datetime, at: Any = lambda x: x) -> tuple[Any, ...]:
    kept = tuple(x for x in items if at(x) > since)
    return kept[-CAP:]


def customer_after(h: CustomerHistory, e: Event, hz: Horizons) -> CustomerHistory:
    """The customer's summary once `e` happened."""
    changes: dict[str, Any] = {}
    if e.device_id is not None and h.device_first_seen(e.device_id) is None:
        changes["devices"] = (*h.devices, (e.device_id, e.at))[-20:]
    if e.kind is EventKind.LOGIN:
        changes.update(last_login_at=e.at, logins=_recent((*h.logins, e.at), e.at - hz.logins))
    elif e.kind in MONEY:
        moves = _recent((*h.moves, Move(e.at, e.kind, e.amount)), e.at - hz.moves,
                        lambda m: m.at)
        changes.update(last_move_at=e.at, moves=moves)
        if e.kind is EventKind.TOP_UP:
            changes["card_max_top_up"] = max(h.card_max_top_up, e.amount)
        if e.kind is EventKind.EARLY_WITHDRAWAL and e.held_days is not None:
            changes["early_withdrawals"] = _recent(
                (*h.early_withdrawals, EarlyWithdrawal(e.at, e.held_days)),
                e.at - hz.early_withdrawals, lambda w: w.at)
    elif e.kind is EventKind.CARD_CHANGE:
        changes.update(card_bound_at=e.at, card_max_top_up=0, last_card_change_at=e.at,
                       card_changes=_recent((*h.card_changes, e.at), e.at - hz.card_changes))
    elif e.kind is EventKind.PIN_RESET:
        changes["last_pin_reset_at"] = e.at
    return replace(h, **changes)


def device_after(d: DeviceHistory, e: Event, hz: Horizons) -> DeviceHistory:
    cls = "l" if e.kind is EventKind.LOGIN else "m"
    events = _recent((*d.events, (e.at, cls)), e.at - hz.device_events, lambda x: x[0])
    customers, count = d.customers, d.customer_count
    if not d.knows(e.customer_id) and (count < DEVICE_CUSTOMERS_KEPT or not customers):
        customers, count = (*customers, (e.customer_id, e.at)), count + 1
    elif not d.knows(e.customer_id):
        count += 1  # beyond the kept list: counted, maybe more than once, which only errs high
    return DeviceHistory(d.first_seen_at or e.at, customers, count, events)


def device_records(d: DeviceHistory, e: Event) -> bool:
    """Whether the device's summary takes this event: logins, a new pairing, and every event
    of a shared device. A device only one customer uses is counted in that customer's own
    summary instead (the same numbers), which saves a write on most money moves."""
    return e.kind is EventKind.LOGIN or not d.knows(e.customer_id) or d.customer_count > 1


def ip_after(i: IpHistory, e: Event, hz: Horizons) -> IpHistory:
    since = e.at - hz.ip
    others = tuple((c, t) for c, t in i.customers if c != e.customer_id and t > since)
    logins = (*i.logins, e.at) if e.kind is EventKind.LOGIN else i.logins
    return IpHistory((*others, (e.customer_id, e.at))[-CAP:],
                     _recent(logins, e.at - hz.logins))


# --------------------------------------------------------------------------- JSON


def _ts(t: datetime | None) -> int | None:
    return None if t is None else int(t.timestamp())


def _dt(v: int | None) -> datetime | None:
    return None if v is None else datetime.fromtimestamp(v, UTC)


def _at(v: int) -> datetime:
    return datetime.fromtimestamp(v, UTC)


_CUSTOMER_TIMES = ("opened_at", "card_bound_at", "last_move_at", "last_login_at",
                   "last_pin_reset_at", "last_card_change_at")


def dump_customer(h: CustomerHistory) -> str:
    doc: dict[str, Any] = {k: _ts(getattr(h, k)) for k in _CUSTOMER_TIMES}
    doc.update(
        card_max_top_up=h.card_max_top_up,
        moves=[[_ts(m.at), m.kind.value, m.amount] for m in h.moves],
        logins=[_ts(t) for t in h.logins],
        early=[[_ts(w.at), w.held_days] for w in h.early_withdrawals],
        card_changes=[_ts(t) for t in h.card_changes],
        devices=[[d, _ts(t)] for d, t in h.devices])
    return json.dumps(doc, separators=(",", ":"))


def load_customer(text: str | None) -> CustomerHistory:
    if not text:
        return CustomerHistory()
    doc = json.loads(text)
    return CustomerHistory(
        **{k: _dt(doc.get(k)) for k in _CUSTOMER_TIMES},
        card_max_top_up=int(doc.get("card_max_top_up", 0)),
        moves=tuple(Move(_at(t), EventKind(k), int(a)) for t, k, a in doc.get("moves", [])),
        logins=tuple(_at(t) for t in doc.get("logins", [])),
        early_withdrawals=tuple(EarlyWithdrawal(_at(t), int(d)) for t, d in doc.get("early", [])),
        card_changes=tuple(_at(t) for t in doc.get("card_changes", [])),
        devices=tuple((d, _at(t)) for d, t in doc.get("devices", [])))


def dump_device(d: DeviceHistory) -> str:
    return json.dumps({"first": _ts(d.first_seen_at), "n": d.customer_count,
                       "customers": [[c, _ts(t)] for c, t in d.customers],
                       "events": [[_ts(t), k] for t, k in d.events]}, separators=(",", ":"))


def load_device(text: str | None) -> DeviceHistory:
    if not text:
        return DeviceHistory()
    doc = json.loads(text)
    return DeviceHistory(_dt(doc.get("first")),
                         tuple((int(c), _at(t)) for c, t in doc.get("customers", [])),
                         int(doc.get("n", 0)),
                         tuple((_at(t), str(k)) for t, k in doc.get("events", [])))


def dump_ip(i: IpHistory) -> str:
    return json.dumps({"customers": [[c, _ts(t)] for c, t in i.customers],
                       "logins": [_ts(t) for t in i.logins]}, separators=(",", ":"))


def load_ip(text: str | None) -> IpHistory:
    if not text:
        return IpHistory()
    doc = json.loads(text)
    return IpHistory(tuple((int(c), _at(t)) for c, t in doc.get("customers", [])),
                     tuple(_at(t) for t in doc.get("logins", [])))


@dataclass(frozen=True)
class Snapshot:
    """The three summaries an event is judged against (before the event)."""

    customer: CustomerHistory = field(default_factory=CustomerHistory)
    device: DeviceHistory | None = None  # None: the device is unknown (not issued by us)
    ip: IpHistory | None = None
