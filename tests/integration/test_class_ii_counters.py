"""Class II counters (domain.md §1.3, §9.4) written in the same plan as each movement: the
bound-card pair and deposit purchases are counted outside the 10k/200k buckets and shown by
GET /api/v1/account; the capped buckets refuse past their limit inside the write itself."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from opendeposit import clock
from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import LimitBucket, LimitExceeded, usage_steps
from opendeposit.accounts.models import limit_usage
from opendeposit.db.apply import apply
from opendeposit.deposits import service as deposits
from opendeposit.payments import service as payments
from opendeposit.risk.service import forget_rules
from opendeposit.writeplan import Plan
from tests.helpers import (
    PIN,
    api_client,
    bearer,
    deposit_ports,
    funded_customer,
    open_customer,
    payment_ports,
    seed_catalog,
)


async def _set_date(p, day: date) -> None:  # type: ignore[no-untyped-def]
    async with p.db.transaction() as conn:
        await clock.set_business_date(conn, day)


async def _limits(p, customer_id: int) -> dict[str, dict[str, object]]:  # type: ignore[no-untyped-def]
    async with api_client(p) as client:
        r = await client.get("/api/v1/account", headers=await bearer(p, customer_id))
    assert r.status_code == 200, r.text
    return {row.pop("bucket"): row for row in r.json()["limits"]}


async def _count(p, account_id: int, bucket: LimitBucket, amount: int, day: date) -> None:  # type: ignore[no-untyped-def]
    await apply(p.db, Plan(usage_steps(account_id, bucket, amount, day), clock.utcnow()))


async def test_l3_bound_card_in_and_out_are_counted_outside_the_caps(platform) -> None:
    """L3: 50,000 from the bound card and 50,000 back the same day are both allowed; they are
    counted and shown, and the capped buckets stay untouched. (The same pair is also a rapid
    in-and-out, which a risk rule holds — test_risk_money_path; here that rule only alerts.)"""
    c = await open_customer(platform, card_balance=10_000_000)
    async with api_client(platform) as client:
        r = await client.put("/admin/api/v1/risk/rules/RAPID_IN_OUT", headers=await bearer(
            platform, 900, kind="staff", roles=("risk",)), json={"action": "alert",
                                                                 "reason": "L3 is about limits"})
        assert r.status_code == 200, r.text
    forget_rules()
    up = await payments.top_up(**payment_ports(platform), customer_id=c.customer_id,
                               amount=5_000_000, pin=PIN, idempotency_key="in")
    down = await payments.withdraw(**payment_ports(platform), customer_id=c.customer_id,
                                   amount=5_000_000, pin=PIN, idempotency_key="out")
    assert (up.status_code, down.status_code) == (200, 200), (up.body, down.body)
    limits = await _limits(platform, c.customer_id)
    assert limits["bound_in"] == {"capped": False, "daily_limit": None, "yearly_limit": None,
                                  "used_today": "50000.00", "used_this_year": "50000.00",
                                  "left_today": None}
    assert limits["bound_out"]["used_today"] == "50000.00"
    assert limits["out_non_bound"] == {"capped": True, "daily_limit": "10000.00",
                                       "yearly_limit": "200000.00", "used_today": "0.00",
                                       "used_this_year": "0.00", "left_today": "10000.00"}
    assert limits["in_non_bound"]["used_today"] == "0.00"
    # a replay of the same key counts nothing twice
    await payments.top_up(**payment_ports(platform), customer_id=c.customer_id,
                          amount=5_000_000, pin=PIN, idempotency_key="in")
    assert (await _limits(platform, c.customer_id))["bound_in"]["used_today"] == "50000.00"


async def test_a_declined_top_up_is_not_counted(platform) -> None:
    c = await open_customer(platform, card_balance=10_000_000, failure_mode="decline")
    declined = await payments.top_up(**payment_ports(platform), customer_id=c.customer_id,
                                     amount=100_000, pin=PIN, idempotency_key="in")
    assert declined.status_code == 422, declined.body
    assert (await _limits(platform, c.customer_id))["bound_in"]["used_today"] == "0.00"


async def test_purchases_are_counted_per_business_day_and_calendar_year(platform) -> None:
    await seed_catalog(platform)
    c = await funded_customer(platform, amount=3_000_000)
    for key in ("b1", "b2"):
        answer = await deposits.purchase(**deposit_ports(platform), customer_id=c.customer_id,
                                         product_code="TD3M", amount=1_000_000, pin=PIN,
                                         idempotency_key=key)
        assert answer.status_code == 201, answer.body
    limits = await _limits(platform, c.customer_id)
    assert (limits["products"]["used_today"], limits["products"]["used_this_year"]) == (
        "20000.00", "20000.00")
    await _set_date(platform, date(2025, 6, 3))  # the next (Beijing) business day
    answer = await deposits.purchase(**deposit_ports(platform), customer_id=c.customer_id,
                                     product_code="TD3M", amount=1_000_000, pin=PIN,
                                     idempotency_key="b3")
    assert answer.status_code == 201, answer.body
    limits = await _limits(platform, c.customer_id)
    assert (limits["products"]["used_today"], limits["products"]["used_this_year"]) == (
        "10000.00", "30000.00")
    assert limits["bound_in"]["used_today"] == "0.00"  # the top-up was the day before
    await _set_date(platform, date(2026, 1, 1))
    limits = await _limits(platform, c.customer_id)
    assert limits["products"]["used_this_year"] == "0.00"


async def test_l1_capped_bucket_allows_exactly_10000_a_day_and_refuses_one_fen_more(
        platform) -> None:
    c = await open_customer(platform)
    day = date(2025, 6, 2)
    await _count(platform, c.account.id, LimitBucket.OUT_NON_BOUND, 600_000, day)
    await _count(platform, c.account.id, LimitBucket.OUT_NON_BOUND, 400_000, day)
    with pytest.raises(LimitExceeded):
        await _count(platform, c.account.id, LimitBucket.OUT_NON_BOUND, 1, day)
    async with platform.db.read() as conn:
        usages = {u.bucket: u for u in await accounts.limit_usages(
            conn, account_id=c.account.id, today=day)}
        rows = (await conn.execute(select(limit_usage.c.period, limit_usage.c.used).where(
            limit_usage.c.account_id == c.account.id))).all()
    assert usages[LimitBucket.OUT_NON_BOUND].used_today == 1_000_000  # the refusal wrote nothing
    assert usages[LimitBucket.OUT_NON_BOUND].left_today == 0
    assert sorted(rows) == [("2025", 1_000_000), ("2025-06-02", 1_000_000)]


async def test_l2_a_full_year_refuses_until_january_first(platform) -> None:
    c = await open_customer(platform)
    for month in range(1, 21):  # 20 days of 10,000 → 200,000 in 2025
        await _count(platform, c.account.id, LimitBucket.OUT_NON_BOUND, 1_000_000,
                     date(2025, 1 + (month - 1) // 10 * 6, 1 + (month - 1) % 10))
    with pytest.raises(LimitExceeded):  # a fresh day, but the year is full
        await _count(platform, c.account.id, LimitBucket.OUT_NON_BOUND, 1, date(2025, 12, 31))
    await _count(platform, c.account.id, LimitBucket.OUT_NON_BOUND, 1_000_000, date(2026, 1, 1))
    async with platform.db.read() as conn:
        usages = {u.bucket: u for u in await accounts.limit_usages(
            conn, account_id=c.account.id, today=date(2025, 12, 31))}
    assert usages[LimitBucket.OUT_NON_BOUND].used_this_year == 20_000_000
    assert usages[LimitBucket.OUT_NON_BOUND].left_today == 0


async def test_l5_l6_a_second_account_is_refused_and_the_one_opened_is_class_ii(
        platform) -> None:
    """L5 (at most 5 Class II accounts a person; §11.6: this platform opens one a customer
    and refuses a second while one is open) and L6 (online opening gives Class II, never a
    second Class I)."""
    from datetime import date as day

    from opendeposit.accounts.models import account
    from opendeposit.accounts.service import AccountAlreadyOpen

    c = await open_customer(platform)
    async with platform.db.read() as conn:
        classes = (await conn.execute(select(account.c.account_class))).scalars().all()
    assert classes == ["II"]
    with pytest.raises(AccountAlreadyOpen):
        await accounts.open_account(
            platform, customer_id=c.customer_id, name="测试1", id_number="11010519491231002X",
            birth_date=day(1949, 12, 31), region_code="110105", card_number=c.card_number,
            card_bank="中国工商银行", reserved_phone=c.phone, pin=PIN)
    async with platform.db.read() as conn:
        assert len((await conn.execute(select(account.c.id))).all()) == 1
