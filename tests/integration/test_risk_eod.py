"""The risk steps of end of day on both engines: the day's large-value report lines (§6.2)
and the dormancy rules (§1.7) moving accounts, which then need a face re-verification."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import select

from opendeposit import clock, eod
from opendeposit.accounts.models import account, account_status_change
from opendeposit.payments import service as payments
from tests.helpers import PIN, api_client, bearer, open_customer, payment_ports
from tests.risk_support import staff

BIG = 200_000_000  # 2,000,000.00 on the sandbox card


async def _set_date(p, day: date) -> None:  # type: ignore[no-untyped-def]
    async with p.db.transaction() as conn:
        await clock.set_business_date(conn, day)


async def _top_up(p, opened, amount: int, key: str) -> None:  # type: ignore[no-untyped-def]
    answer = await payments.top_up(**payment_ports(p), customer_id=opened.customer_id,
                                   amount=amount, pin=PIN, idempotency_key=key)
    assert answer.status_code == 200, answer.body


async def _status(p, account_id: int) -> tuple[str, str | None]:  # type: ignore[no-untyped-def]
    async with p.db.read() as conn:
        row = (await conn.execute(select(account.c.status, account.c.status_reason).where(
            account.c.id == account_id))).one()
    return row.status, row.status_reason


async def test_eod_writes_the_large_value_lines_of_the_day(platform) -> None:
    exactly = await open_customer(platform, 1, card_balance=BIG)
    below = await open_customer(platform, 2, card_balance=BIG)
    await _top_up(platform, exactly, 50_000_000, "a")  # 500,000.00
    await _top_up(platform, below, 49_999_999, "b")  # 499,999.99
    async with platform.db.read() as conn:
        day = await clock.current_business_date(conn)
    result = await eod.run_eod(platform.db, platform.eod_plan())
    assert result.report["risk_large_value"] == {"lines": 1}
    async with api_client(platform) as client:
        h = await staff(platform, "auditor", staff_id=902)
        got = await client.get(f"/admin/api/v1/reports/large-value?date={day}", headers=h)
        assert got.status_code == 200, got.text
        report = got.json()
        assert report["produced"] is True
        assert [(x["customer_id"], x["direction"], x["total"]) for x in report["items"]] == [
            (exactly.customer_id, "in", "500000.00")]
        text = (await client.get(f"/admin/api/v1/reports/large-value?date={day}", headers={
            **h, "Accept": "text/csv"})).text
    rows = list(csv.reader(io.StringIO(text)))
    assert [(r[1], r[5], r[7]) for r in rows[1:]] == [
        (str(exactly.customer_id), "500000.00", "500000.00")]
    again = await eod.run_eod(platform.db, platform.eod_plan())  # the next day: nothing new
    assert again.report["risk_large_value"] == {"lines": 0}


async def test_eod_dormancy_suspends_unused_then_long_dormant_accounts(platform) -> None:
    unused = await open_customer(platform, 1)  # opened 2025-06-02, never used
    used = await open_customer(platform, 2)
    await _top_up(platform, used, 10_000, "u1")  # a customer move on 2025-06-02
    await _set_date(platform, date(2025, 12, 1))
    first = await eod.run_eod(platform.db, platform.eod_plan())
    assert first.report["risk_dormancy"] == {"checked": 0}
    second = await eod.run_eod(platform.db, platform.eod_plan())  # 2025-12-02: six months
    assert second.report["risk_dormancy"] == {"checked": 1, "non_counter_suspended": 1}
    assert await _status(platform, unused.account.id) == ("non_counter_suspended",
                                                          "DORMANT_NEW_ACCOUNT")
    assert await _status(platform, used.account.id) == ("normal", None)
    async with api_client(platform) as client:
        r = await client.post("/api/v1/account/top-up", headers=await bearer(
            platform, unused.customer_id), json={"amount": "1.00", "pin": PIN,
                                                  "idempotency_key": "k"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "REVERIFICATION_REQUIRED"
    await _set_date(platform, date(2026, 6, 2))  # a year after the used account's last move
    third = await eod.run_eod(platform.db, platform.eod_plan())
    assert third.report["risk_dormancy"] == {"checked": 2, "dormant": 2}
    assert await _status(platform, used.account.id) == ("dormant", "LONG_DORMANT")
    assert await _status(platform, unused.account.id) == ("dormant", "LONG_DORMANT")
    async with platform.db.read() as conn:
        actors = (await conn.execute(select(account_status_change.c.actor,
                                            account_status_change.c.to_status))).all()
    assert sorted(actors) == [("system:eod", "dormant"), ("system:eod", "dormant"),
                              ("system:eod", "non_counter_suspended")]
