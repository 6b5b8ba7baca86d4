"""PostgreSQL races: 200 customers buy at once against a quota that fits 150 → exactly 150."""

from __future__ import annotations

import asyncio

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from opendeposit.deposits import service
from opendeposit.deposits.models import holding
from opendeposit.errors import OpenDepositError
from opendeposit.ledger.service import verify
from opendeposit.payments import service as payments
from opendeposit.products import quota
from tests.helpers import (
    PIN,
    deposit_ports,
    open_customer,
    payment_ports,
    publish_product,
    seed_catalog,
)

pytestmark = pytest.mark.postgres

AMOUNT = 100_000  # 1,000.00 each
BUYERS = 200
FITS = 150


async def _ready_customer(p, n: int) -> int:  # type: ignore[no-untyped-def]
    c = await open_customer(p, n, card_balance=AMOUNT)
    await payments.top_up(**payment_ports(p), customer_id=c.customer_id, amount=AMOUNT, pin=PIN,
                          idempotency_key=f"f{n}")
    return c.customer_id


async def test_two_hundred_concurrent_purchases_never_oversell(pg_platform) -> None:
    p = pg_platform
    # the race is on the database: cheap PIN hashes keep the setup of 200 customers short
    p.pins._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    await seed_catalog(p)
    await publish_product(p, "HOT", total_quota=FITS * AMOUNT, max_per_customer=AMOUNT)
    gate = asyncio.Semaphore(16)

    async def ready(n: int) -> int:
        async with gate:
            return await _ready_customer(p, n)

    customers = await asyncio.gather(*(ready(n) for n in range(1, BUYERS + 1)))
    async def buy(cid: int) -> str:
        try:
            answer = await service.purchase(**deposit_ports(p), customer_id=cid, product_code="HOT",
                                            amount=AMOUNT, pin=PIN, idempotency_key="race")
        except OpenDepositError as exc:
            return exc.code
        return "OK" if answer.status_code == 201 else str(answer.status_code)

    outcomes = await asyncio.gather(*(buy(cid) for cid in customers))
    assert outcomes.count("OK") == FITS, sorted(set(outcomes))
    assert set(outcomes) == {"OK", "QUOTA_EXCEEDED"}
    async with p.db.read() as conn:
        assert (await quota.quota_left(conn, ["HOT"]))["HOT"] == 0
        sold = (await conn.execute(select(func.count(), func.sum(holding.c.principal)).where(
            holding.c.product_code == "HOT"))).one()
        assert (sold[0], sold[1]) == (FITS, FITS * AMOUNT)
        report = await verify(conn)
    assert report.ok, report.problems
