"""Large-value transaction report lines (domain.md §6.2) from the journal, written against the
current top-up and withdrawal services: ≥ 500,000.00 a day per customer and direction,
cumulated, one-sided; moves between the customer's own demand and time deposits are exempt."""

from __future__ import annotations

import csv
import io

from opendeposit import clock
from opendeposit.payments import service as payments
from opendeposit.risk import aml
from tests.helpers import (
    PIN,
    api_client,
    bearer,
    open_customer,
    payment_ports,
    seed_catalog,
)
from tests.risk_support import staff

BIG = 200_000_000  # 2,000,000.00 on the sandbox card


async def _top_up(p, opened, amount: int, key: str) -> None:  # type: ignore[no-untyped-def]
    answer = await payments.top_up(**payment_ports(p), customer_id=opened.customer_id,
                                   amount=amount, pin=PIN, idempotency_key=key)
    assert answer.status_code == 200, answer.body


async def test_500000_produces_a_line_and_499999_99_does_not(platform) -> None:
    exactly = await open_customer(platform, 1, card_balance=BIG)
    below = await open_customer(platform, 2, card_balance=BIG)
    await _top_up(platform, exactly, 50_000_000, "a")
    await _top_up(platform, below, 49_999_999, "b")
    async with platform.db.read() as conn:
        day = await clock.current_business_date(conn)
        lines = await aml.compute_large_value(conn, day)
    assert [(x.customer_id, x.direction, x.total) for x in lines] == [
        (exactly.customer_id, "in", 50_000_000)]
    assert [t.amount for t in lines[0].transactions] == [50_000_000]


async def test_cumulated_one_sided_and_exempt_moves(platform) -> None:
    await seed_catalog(platform)
    c = await open_customer(platform, 3, card_balance=BIG)
    await _top_up(platform, c, 30_000_000, "in-1")
    await _top_up(platform, c, 20_000_000, "in-2")  # 500,000.00 in over the day
    h = await bearer(platform, c.customer_id)
    async with api_client(platform) as client:
        bought = await client.post("/api/v1/deposits", headers=h, json={
            "product_code": "TD1Y", "amount": "450000.00", "pin": PIN,
            "idempotency_key": "buy"})
        assert bought.status_code == 201, bought.text  # demand → time: exempt
    out = await payments.withdraw(**payment_ports(platform), customer_id=c.customer_id,
                                  amount=4_999_999, pin=PIN, idempotency_key="out")
    assert out.status_code == 200, out.body  # 49,999.99 out: far below, no out line
    officer = await staff(platform)
    async with platform.db.read() as conn:
        day = await clock.current_business_date(conn)
    async with api_client(platform) as client:
        r = await client.get(f"/admin/api/v1/reports/large-value?date={day}", headers=officer)
        assert r.status_code == 200, r.text
        body = r.json()
        csv_r = await client.get(f"/admin/api/v1/reports/large-value?date={day}",
                                 headers=officer | {"Accept": "text/csv"})
        operator = await staff(platform, "operator", staff_id=902)
        denied = await client.get(f"/admin/api/v1/reports/large-value?date={day}",
                                  headers=operator)
        auditor = await staff(platform, "auditor", staff_id=903)
        allowed = await client.get(f"/admin/api/v1/reports/large-value?date={day}",
                                   headers=auditor)
    assert denied.status_code == 403 and allowed.status_code == 200
    assert body["produced"] is False
    [line] = body["items"]
    assert line | {"transactions": None} == {
        "customer_id": c.customer_id, "name_masked": "测*3",
        "id_number_masked": "1101**********002X", "business_date": day.isoformat(),
        "direction": "in", "total": "500000.00", "transactions": None}
    assert sorted(t["amount"] for t in line["transactions"]) == ["200000.00", "300000.00"]
    assert {t["kind"] for t in line["transactions"]} == {"top_up"}
    assert csv_r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_r.text)))
    assert len(rows) == 2 and {r["total"] for r in rows} == {"500000.00"}
    assert {r["direction"] for r in rows} == {"in"}


async def test_outflows_and_the_produced_report_is_kept(platform) -> None:
    c = await open_customer(platform, 4, card_balance=BIG)
    await _top_up(platform, c, 60_000_000, "in")
    out = await payments.withdraw(**payment_ports(platform), customer_id=c.customer_id,
                                  amount=55_000_000, pin=PIN, idempotency_key="out")
    # most of the inflow out again at once: held for review; released, it is an outflow
    assert out.status_code == 202 and out.body["status"] == "held", out.body
    from opendeposit.payments import holds

    released = await holds.release(db=platform.db, vault=platform.vault, cards=platform.cards,
                                   bank_name="测试银行", hold_id=out.body["hold_id"],
                                   actor="staff:1", reason="checked with the customer")
    assert released["transfer"]["status"] == "succeeded"
    async with platform.db.transaction() as conn:
        day = await clock.current_business_date(conn)
        lines = await aml.produce_large_value(conn, platform.db, day=day, now=clock.utcnow())
    assert [(x.direction, x.total) for x in lines] == [("in", 60_000_000), ("out", 55_000_000)]
    await _top_up(platform, c, 100, "late")  # after the report was produced: not rewritten
    async with platform.db.transaction() as conn:
        again = await aml.produce_large_value(conn, platform.db, day=day, now=clock.utcnow())
    assert again == lines
    officer = await staff(platform)
    async with api_client(platform) as client:
        body = (await client.get(f"/admin/api/v1/reports/large-value?date={day}",
                                 headers=officer)).json()
        rating = (await client.get(f"/admin/api/v1/risk/customers/{c.customer_id}",
                                   headers=officer)).json()["rating"]
    assert body["produced"] is True and [x["total"] for x in body["items"]] == [
        "600000.00", "550000.00"]
    assert rating["level"] == "medium" and "LARGE_VALUE_TRANSACTIONS" in rating["reasons"]
