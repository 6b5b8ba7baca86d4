"""Builders for facts of one event, so each rule test states only what matters to it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from opendeposit.risk.domain import Decision, Facts, evaluate
from opendeposit.risk.history import (
    CustomerHistory,
    DeviceHistory,
    Event,
    EventKind,
    Horizons,
    IpHistory,
    Snapshot,
    customer_after,
    device_after,
    device_records,
    ip_after,
)
from opendeposit.risk.rules import CATALOGUE, default_rules

NOON = datetime(2025, 6, 2, 4, 0, tzinfo=UTC)  # 12:00 in Beijing
K = EventKind


def event(kind: EventKind, amount: int = 0, *, at: datetime = NOON, customer: int = 1,
          device: str | None = "dev-1", ip: str | None = "10.0.0.1",
          held_days: int | None = None) -> Event:
    return Event(customer, kind, at, amount, device, ip, held_days)


class World:
    """Customers, devices and IPs as the service keeps them, updated event by event."""

    def __init__(self, opened_days_ago: int = 60) -> None:
        self.customers: dict[int, CustomerHistory] = {}
        self.devices: dict[str, DeviceHistory] = {}
        self.ips: dict[str, IpHistory] = {}
        self.opened = NOON - timedelta(days=opened_days_ago)
        self.rules = default_rules()
        self.lists: tuple[str, ...] = ()

    def customer(self, n: int) -> CustomerHistory:
        return self.customers.setdefault(n, CustomerHistory(opened_at=self.opened,
                                                            card_bound_at=self.opened))

    def facts(self, e: Event, balance: int | None = None, known: bool = True) -> Facts:
        d = self.devices.get(e.device_id or "", DeviceHistory()) if e.device_id else None
        i = self.ips.get(e.ip or "", IpHistory()) if e.kind is K.LOGIN else None
        return Facts(e, Snapshot(self.customer(e.customer_id), d, i), known, self.lists,
                     balance)

    def judge(self, e: Event, balance: int | None = None, *, known: bool = True,
              stepped_up: bool = False, **thresholds: Any) -> Decision:
        rules = [replace(r, thresholds={**r.thresholds, **thresholds.get(r.code, {})})
                 for r in self.rules]
        d = evaluate(self.facts(e, balance, known), rules, CATALOGUE, stepped_up=stepped_up)
        self.apply(e)
        return d

    def apply(self, e: Event) -> None:
        hz = Horizons()
        self.customers[e.customer_id] = customer_after(self.customer(e.customer_id), e, hz)
        d = self.devices.get(e.device_id or "", DeviceHistory())
        if e.device_id and device_records(d, e):
            self.devices[e.device_id] = device_after(d, e, hz)
        if e.ip and e.kind is K.LOGIN:
            self.ips[e.ip] = ip_after(self.ips.get(e.ip, IpHistory()), e, hz)

    def codes(self, e: Event, balance: int | None = None, **kw: Any) -> set[str]:
        return {h.code for h in self.judge(e, balance, **kw).hits}
