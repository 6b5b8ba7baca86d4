"""A generated, seeded scenario set for measuring the rules: thousands of customers over
simulated months, ordinary behaviour of several kinds (savers, spenders, the wealthy, night
owls, families on one phone, office workers behind one IP, people who change phones, forget
PINs, change cards or come back after months) with labelled fraud patterns mixed in. Pure and
reproducible: the same seed gives the same events.

Every event carries its label: `normal`, or the §6.1 pattern it belongs to (the customer's
ordinary events before a takeover stay `normal`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from opendeposit.risk.history import Event, EventKind

START = datetime(2025, 1, 6, tzinfo=UTC)
K = EventKind
PATTERNS = ("rapid_in_out", "buy_early_withdraw", "new_card_large", "takeover", "night_burst",
            "dormant", "device_farm", "watchlist", "velocity", "probing")
NORMAL_KINDS = (("saver", 45), ("spender", 20), ("wealthy", 8), ("night_owl", 6),
                ("family", 6), ("office", 7), ("returning", 4), ("phone_changer", 4))


@dataclass(frozen=True)
class SimEvent:
    event: Event
    label: str  # normal | one of PATTERNS
    balance: int  # the demand balance before the event
    list_hits: tuple[str, ...] = ()


@dataclass
class _Customer:
    id: int
    kind: str
    device: str
    ip: str
    opened_at: datetime
    rnd: random.Random
    balance: int = 0
    holdings: list[tuple[datetime, int]] = field(default_factory=list)
    events: list[SimEvent] = field(default_factory=list)
    listed: tuple[str, ...] = ()

    def add(self, at: datetime, kind: EventKind, amount: int = 0, label: str = "normal",
            held_days: int | None = None, device: str | None = None) -> None:
        before = self.balance
        if kind is K.TOP_UP or kind is K.EARLY_WITHDRAWAL:
            self.balance += amount
        elif kind in (K.WITHDRAW, K.PURCHASE):
            amount = min(amount, self.balance)
            if amount <= 0:
                return
            self.balance -= amount
        self.events.append(SimEvent(Event(self.id, kind, at, amount, device or self.device,
                                          self.ip, held_days, f"{self.id}-{len(self.events)}"),
                                    label, before, self.listed))

    def session(self, at: datetime, moves: list[tuple[int, EventKind, int]],
                label: str = "normal", device: str | None = None) -> None:
        """A login, then moves at minute offsets."""
        self.add(at, K.LOGIN, label=label, device=device)
        for minutes, kind, amount in moves:
            when = at + timedelta(minutes=minutes)
            if kind is K.PURCHASE:
                self.holdings.append((when, min(amount, self.balance)))
            self.add(when, kind, amount, label, device=device)

    def early_withdraw(self, at: datetime, label: str = "normal", latest: bool = False) -> None:
        if not self.holdings:
            return
        bought, amount = self.holdings.pop(-1 if latest else 0)
        if amount > 0:
            self.add(at, K.EARLY_WITHDRAWAL, amount, label, held_days=(at - bought).days)


def _yuan(rnd: random.Random, low: int, high: int) -> int:
    return rnd.randint(low, high) * 100


def _day(c: _Customer, day: int, hour_from: int = 9, hour_to: int = 21) -> datetime:
    local = c.opened_at + timedelta(days=day)
    hour = c.rnd.randint(hour_from, hour_to)
    return local.replace(hour=(hour - 8) % 24, minute=c.rnd.randint(0, 59))  # Beijing → UTC


def _ordinary(c: _Customer, days: int) -> None:
    """Month-by-month ordinary behaviour of the customer's kind."""
    r = c.rnd
    for month in range(days // 30):
        base = month * 30
        if c.kind == "returning" and 1 <= month < 8:
            continue  # away for seven months, then back
        if c.kind in ("saver", "family", "office", "phone_changer", "returning"):
            c.session(_day(c, base + r.randint(0, 4)), [(2, K.TOP_UP, _yuan(r, 3000, 30000))])
            if r.random() < 0.4:
                c.session(_day(c, base + r.randint(5, 20)),
                          [(3, K.PURCHASE, c.balance * r.randint(50, 95) // 100)])
            if r.random() < 0.3:
                c.session(_day(c, base + r.randint(10, 28)),
                          [(1, K.WITHDRAW, _yuan(r, 200, 5000))])
        elif c.kind == "spender":
            for _ in range(r.randint(4, 10)):
                day = base + r.randint(0, 29)
                amount = _yuan(r, 500, 15000)
                c.session(_day(c, day), [(1, K.TOP_UP, amount),
                                         (r.randint(30, 600), K.WITHDRAW, amount * r.randint(
                                             50, 100) // 100)] if r.random() < 0.5 else
                          [(1, K.TOP_UP, amount)])
        elif c.kind == "wealthy":
            if r.random() < 0.35:
                big = _yuan(r, 60000, 600000)
                c.session(_day(c, base + r.randint(0, 25)),
                          [(2, K.TOP_UP, big), (6, K.PURCHASE, big)])
            if r.random() < 0.15:
                c.early_withdraw(_day(c, base + r.randint(0, 29)))
        elif c.kind == "night_owl":
            for _ in range(r.randint(1, 3)):
                at = _day(c, base + r.randint(0, 29), 0, 3)
                n = r.choice((1, 1, 2, 2, 3))
                c.session(at, [(i * 7 + 1, K.TOP_UP if i % 2 == 0 else K.WITHDRAW,
                                _yuan(r, 100, 3000)) for i in range(n)])
        if (c.kind == "phone_changer" and r.random() < 0.12) or r.random() < 0.01:
            _new_phone(c, base + r.randint(0, 29))
        if r.random() < 0.006:
            c.add(_day(c, base + r.randint(0, 29)), K.CARD_CHANGE)
            if c.kind == "wealthy":
                big = _yuan(r, 60000, 300000)
                c.session(_day(c, base + 29), [(2, K.TOP_UP, big), (5, K.PURCHASE, big)])


def _new_phone(c: _Customer, day: int) -> None:
    """A new phone; often the PIN is forgotten on the way (a legitimate reset)."""
    c.device = f"{c.device}+"
    at = _day(c, day)
    c.add(at, K.LOGIN)
    if c.rnd.random() < 0.5:
        c.add(at + timedelta(minutes=4), K.PIN_RESET)
    c.session(at + timedelta(minutes=10), [(1, K.WITHDRAW, _yuan(c.rnd, 100, 2000))])


def _fraud(c: _Customer, pattern: str, days: int, farm: tuple[str, int, str]) -> None:
    r = c.rnd
    d0 = r.randint(days // 3, max(days // 3 + 1, days - 10))
    if pattern == "rapid_in_out":
        d0 = r.randint(2, 20) if r.random() < 0.5 else d0  # often a new account, rented out
        for d in range(r.randint(2, 5)):
            amount = _yuan(r, 20000, 200000)
            c.session(_day(c, d0 + d), [(1, K.TOP_UP, amount),
                                        (r.randint(20, 300), K.WITHDRAW, amount)], pattern)
    elif pattern == "buy_early_withdraw":
        for cycle in range(r.randint(3, 5)):
            at = _day(c, d0 + cycle * 5)
            amount = _yuan(r, 5000, 50000)
            c.session(at, [(1, K.TOP_UP, amount), (3, K.PURCHASE, amount)], pattern)
            c.early_withdraw(at + timedelta(days=r.randint(1, 4)), pattern, latest=True)
    elif pattern == "new_card_large":
        at = _day(c, d0)
        if r.random() < 0.4:  # a card-hopping account: changed twice before
            c.add(at - timedelta(days=40), K.CARD_CHANGE, label=pattern)
            c.add(at - timedelta(days=20), K.CARD_CHANGE, label=pattern)
        c.add(at, K.CARD_CHANGE, label=pattern)
        big = _yuan(r, 60000, 400000)
        c.session(at + timedelta(days=r.randint(0, 5)), [(2, K.TOP_UP, big),
                                                         (r.randint(30, 600), K.WITHDRAW, big)],
                  pattern)
    elif pattern == "takeover":  # a new device logs in, resets the PIN and drains
        at = _day(c, d0)
        thief = f"thief-{c.id}"
        c.add(at, K.LOGIN, label=pattern, device=thief)
        c.add(at + timedelta(minutes=3), K.PIN_RESET, label=pattern, device=thief)
        c.session(at + timedelta(minutes=r.randint(20, 600)), [(2, K.WITHDRAW, c.balance)],
                  pattern, device=thief)
        c.early_withdraw(at + timedelta(hours=r.randint(12, 40)), pattern, latest=True)
        c.session(at + timedelta(hours=41), [(1, K.WITHDRAW, c.balance)], pattern, device=thief)
    elif pattern == "night_burst":
        at = _day(c, d0, 1, 3)
        c.session(at, [(1 + i * r.randint(3, 9), K.TOP_UP if i % 2 == 0 else K.WITHDRAW,
                        _yuan(r, 2000, 20000)) for i in range(r.randint(4, 8))], pattern)
    elif pattern == "dormant":
        at = c.opened_at + timedelta(days=max(d0, 200))
        c.session(at, [(2, K.TOP_UP, _yuan(r, 30000, 300000)), (60, K.WITHDRAW, 10**9)],
                  pattern)
    elif pattern == "device_farm":  # one handler's phone and place, many rented accounts
        c.device, start, c.ip = farm
        for d in range(r.randint(2, 4)):
            amount = _yuan(r, 3000, 30000)
            at = START + timedelta(days=start + d * 2, hours=2, minutes=r.randint(0, 90))
            c.session(at, [(1, K.TOP_UP, amount), (90, K.WITHDRAW, amount)], pattern)
    elif pattern == "watchlist":
        c.session(_day(c, d0), [(1, K.TOP_UP, _yuan(r, 1000, 20000))], pattern)
    elif pattern == "velocity":
        at = _day(c, d0)
        c.session(at, [(1 + i * 3, K.TOP_UP if i % 2 == 0 else K.WITHDRAW,
                        _yuan(r, 100, 5000)) for i in range(r.randint(12, 20))], pattern)
    elif pattern == "probing":
        at = _day(c, d0)
        c.session(at, [(1 + i * 11, K.TOP_UP, r.randint(1, 100))
                       for i in range(r.randint(6, 10))], pattern)


@dataclass(frozen=True)
class Scenario:
    events: list[SimEvent]  # in time order
    opened: dict[int, datetime]  # customer → account opened at
    kinds: dict[int, str]  # customer → ordinary kind, or the fraud pattern


def generate(*, seed: int = 7, customers: int = 3000, months: int = 6,
             fraud_share_percent: int = 4) -> Scenario:
    """Every event of the set in time order (stable for a seed)."""
    rnd = random.Random(seed)
    days = months * 30
    kinds = [k for k, w in NORMAL_KINDS for _ in range(w)]
    offices = [f"203.0.113.{i}" for i in range(max(1, customers // 200))]
    families: dict[str, int] = {}
    farms = [(f"farm-{i}", rnd.randint(40, days - 20), f"198.51.100.{i}")
             for i in range(max(1, customers // 2000))]
    out: list[SimEvent] = []
    opened: dict[int, datetime] = {}
    labels: dict[int, str] = {}
    for n in range(1, customers + 1):
        r = random.Random(rnd.getrandbits(64))
        kind = rnd.choice(kinds)
        device = f"dev-{n}"
        if kind == "family":  # two or three people on one phone
            open_families = [f for f, members in families.items() if members < 3]
            if open_families and rnd.random() < 0.6:
                device = rnd.choice(open_families)
            families[device] = families.get(device, 0) + 1
        ip = rnd.choice(offices) if kind == "office" else f"10.{n // 65536}.{n // 256 % 256}." \
            f"{n % 256}"
        c = _Customer(n, kind, device, ip, START + timedelta(days=rnd.randint(0, 20),
                                                             hours=rnd.randint(1, 12)), r)
        pattern = rnd.choice(PATTERNS) if rnd.randint(1, 100) <= fraud_share_percent else None
        if pattern == "watchlist":
            c.listed = ("phone",)
        if pattern not in ("dormant", "rapid_in_out", "device_farm"):  # rented: fraud only
            _ordinary(c, days)
        if pattern == "watchlist":  # everything a listed person does is the pattern
            c.events = [SimEvent(e.event, pattern, e.balance, e.list_hits) for e in c.events]
        if pattern is not None:
            _fraud(c, pattern, days, rnd.choice(farms))
        out += c.events
        opened[n], labels[n] = c.opened_at, pattern or kind
    out.sort(key=lambda e: (e.event.at, e.event.customer_id, e.event.reference))
    return Scenario(out, opened, labels)
