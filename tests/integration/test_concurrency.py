"""Races on real PostgreSQL: no request, retry or race creates or loses a fen."""

from __future__ import annotations

import asyncio

import pytest

from opendeposit.errors import OpenDepositError
from opendeposit.ledger.service import verify
from opendeposit.payments import service as payments
from tests.helpers import PIN, allow_volume, demand_balance, open_customer, payment_ports

pytestmark = pytest.mark.postgres


async def test_fifty_parallel_withdrawals_of_the_whole_balance_one_succeeds(pg_platform) -> None:
    p = pg_platform
    c = await open_customer(p, card_balance=1_000_000)
    await payments.top_up(**payment_ports(p), customer_id=c.customer_id, amount=100_000, pin=PIN,
                          idempotency_key="seed")

    async def one(i: int) -> object:
        try:
            return await payments.withdraw(**payment_ports(p),
                                           customer_id=c.customer_id, amount=100_000, pin=PIN,
                                           idempotency_key=f"w{i}")
        except OpenDepositError as exc:
            return exc

    results = await asyncio.gather(*(one(i) for i in range(50)))
    ok = [r for r in results if not isinstance(r, OpenDepositError)]
    refused = [r for r in results if isinstance(r, OpenDepositError)]
    assert len(ok) == 1 and ok[0].status_code == 200  # type: ignore[attr-defined]
    assert len(refused) == 49
    assert {r.code for r in refused} == {"INSUFFICIENT_FUNDS"}
    assert await demand_balance(p, c) == 0
    assert await p.sandbox["cards"].card_balance(c.card_number) == 1_000_000
    async with p.db.read() as conn:
        report = await verify(conn)
    assert report.ok, report.problems


async def test_same_key_twenty_times_concurrently_has_one_effect(pg_platform) -> None:
    p = pg_platform
    c = await open_customer(p, card_balance=1_000_000)
    answers = await asyncio.gather(*(
        payments.top_up(**payment_ports(p), customer_id=c.customer_id, amount=12_300, pin=PIN,
                        idempotency_key="dup") for _ in range(20)))
    assert all(a == answers[0] for a in answers)
    assert answers[0].status_code == 200
    assert await demand_balance(p, c) == 12_300
    assert await p.sandbox["cards"].card_balance(c.card_number) == 1_000_000 - 12_300


async def test_many_customers_in_parallel_keep_every_invariant(pg_platform) -> None:
    p = pg_platform
    await allow_volume(p)  # ten moves a customer in seconds: a volume test, not a fraud one
    people = [await open_customer(p, n, card_balance=500_000) for n in range(1, 21)]

    async def churn(c) -> None:  # type: ignore[no-untyped-def]
        for i in range(5):
            await payments.top_up(**payment_ports(p),
                                  customer_id=c.customer_id, amount=10_000 + i, pin=PIN,
                                  idempotency_key=f"t{i}")
            await payments.withdraw(**payment_ports(p),
                                    customer_id=c.customer_id, amount=5_000, pin=PIN,
                                    idempotency_key=f"w{i}")

    await asyncio.gather(*(churn(c) for c in people))
    for c in people:
        assert await demand_balance(p, c) == 5 * 10_000 + 10 - 5 * 5_000
    async with p.db.read() as conn:
        report = await verify(conn)
    assert report.ok and report.entries == 20 * 15, report.problems
