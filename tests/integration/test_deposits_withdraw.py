"""Early, partial and matured withdrawals and the maturity instruction, through the HTTP API."""

from __future__ import annotations

from datetime import date

from opendeposit import clock
from opendeposit.ledger.service import balance, verify
from tests.helpers import (
    PIN,
    api_client,
    bearer,
    demand_balance,
    funded_customer,
    ledger_state,
    seed_catalog,
)


async def _set_date(p, day: date) -> None:  # type: ignore[no-untyped-def]
    async with p.db.transaction() as conn:
        await clock.set_business_date(conn, day)


async def _holding(p, client, headers, code: str, amount: str) -> int:  # type: ignore[no-untyped-def]
    resp = await client.post("/api/v1/deposits", headers=headers, json={
        "product_code": code, "amount": amount, "pin": PIN, "idempotency_key": f"b-{amount}"})
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


async def _withdraw(client, headers, hid: int, amount: str | None, key: str, pin: str = PIN):  # type: ignore[no-untyped-def]
    body = {"pin": pin, "idempotency_key": key}
    if amount is not None:
        body["amount"] = amount
    return await client.post(f"/api/v1/deposits/{hid}/withdraw", headers=headers, json=body)


async def test_full_early_withdrawal_pays_the_demand_rate_for_the_days_held(platform) -> None:
    """domain.md §9.1 I7: 50,000.00 for 100 days at the 0.05 demand rate → 6.94."""
    await seed_catalog(platform)
    c = await funded_customer(platform, amount=6_000_000)
    headers = await bearer(platform, c.customer_id)
    async with api_client(platform) as client:
        hid = await _holding(platform, client, headers, "TD1Y", "50000.00")
        await _set_date(platform, date(2025, 9, 10))  # 100 days after 2025-06-02
        shown = (await client.get(f"/api/v1/deposits/{hid}", headers=headers)).json()
        assert shown["accrued_interest"] == "166.67"  # indicative: contract rate x 100/360
        trial = (await client.get(f"/api/v1/deposits/{hid}/withdrawal-trial",
                                  headers=headers)).json()
        assert trial == {"amount": "50000.00", "interest": "6.94", "rate_applied": "0.05",
                         "days": 100, "early": True, "full": True, "remainder": "0.00",
                         "overdue_days": 0, "overdue_interest": "0.00", "total": "50006.94"}
        resp = await _withdraw(client, headers, hid, None, "w1")
        assert resp.status_code == 200, resp.text
        done = resp.json()
        assert done["interest"] == "6.94" and done["credited"] == "50006.94"
        assert done["holding"]["status"] == "withdrawn"
        assert done["holding"]["interest_paid"] == "6.94"
        assert done["balance"] == "60006.94"
        again = await _withdraw(client, headers, hid, None, "w1")
        assert again.json() == done  # replay
        closed = await _withdraw(client, headers, hid, None, "w2")
        assert closed.status_code == 409
        assert closed.json()["error"]["code"] == "HOLDING_NOT_ACTIVE"
    assert await demand_balance(platform, c) == 6_000_694
    async with platform.db.read() as conn:
        assert await balance(conn, f"2151-{hid:012d}") == 0
        assert await balance(conn, "5211") == 694
        assert (await verify(conn)).ok


async def test_one_partial_withdrawal_then_only_all(platform) -> None:
    await seed_catalog(platform)
    c = await funded_customer(platform, amount=2_000_000)
    headers = await bearer(platform, c.customer_id)
    async with api_client(platform) as client:
        hid = await _holding(platform, client, headers, "TD2Y", "10000.00")
        await _set_date(platform, date(2025, 12, 2))  # 183 days
        part = await _withdraw(client, headers, hid, "4000.00", "p1")
        assert part.status_code == 200, part.text
        # 4,000.00 x 0.05% x 183 / 360 = 1.0166… → 1.02; the rest keeps rate and maturity
        assert part.json()["interest"] == "1.02" and part.json()["remainder"] == "6000.00"
        h = part.json()["holding"]
        assert (h["principal"], h["partial_withdrawn"]) == ("6000.00", True)
        assert h["status"] == "active"
        assert (h["rate"], h["maturity_date"]) == ("1.30", "2027-06-02")
        before = await ledger_state(platform)
        second = await _withdraw(client, headers, hid, "1000.00", "p2")
        assert second.status_code == 422
        assert second.json()["error"]["code"] == "PARTIAL_WITHDRAWAL_USED"
        trial = await client.get(f"/api/v1/deposits/{hid}/withdrawal-trial?amount=1000.00",
                                 headers=headers)
        assert trial.json()["error"]["code"] == "PARTIAL_WITHDRAWAL_USED"
        assert await ledger_state(platform) == before
        rest = await _withdraw(client, headers, hid, None, "p3")
        assert rest.status_code == 200 and rest.json()["amount"] == "6000.00"
    assert await demand_balance(platform, c) == 2_000_000 + 102 + 153  # 152.5 rounds half-up


async def test_refused_withdrawals_write_nothing(platform) -> None:
    await seed_catalog(platform)
    c = await funded_customer(platform, 1, amount=2_000_000)
    other = await funded_customer(platform, 2, amount=1_000_000)
    headers = await bearer(platform, c.customer_id)
    theirs = await bearer(platform, other.customer_id)
    async with api_client(platform) as client:
        hid = await _holding(platform, client, headers, "TD1Y", "1000.00")
        before = await ledger_state(platform)
        cases = [  # I9: a remainder of 30.00 is below the 50.00 minimum
            (headers, "970.00", PIN, 422, "REMAINDER_BELOW_MINIMUM"),
            (headers, "1000.01", PIN, 422, "AMOUNT_EXCEEDS_PRINCIPAL"),
            (headers, "0.00", PIN, 422, "INVALID_AMOUNT"),
            (headers, None, "000001", 403, "PIN_WRONG"),
            (theirs, None, PIN, 404, "HOLDING_NOT_FOUND"),
        ]
        for i, (who, amount, pin, status, code) in enumerate(cases):
            resp = await _withdraw(client, who, hid, amount, f"bad{i}", pin=pin)
            assert (resp.status_code, resp.json()["error"]["code"]) == (status, code)
        assert await ledger_state(platform) == before
        for path in (f"/api/v1/deposits/{hid}", f"/api/v1/deposits/{hid}/withdrawal-trial",
                     "/api/v1/deposits/999999"):
            resp = await client.get(path, headers=theirs)
            assert resp.status_code == 404, path
        put = await client.put(f"/api/v1/deposits/{hid}/maturity", headers=theirs,
                               json={"auto_rollover": True})
        assert put.status_code == 404
        assert (await client.get("/api/v1/deposits", headers=theirs)).json()["items"] == []


async def test_maturity_instruction_and_withdrawal_at_maturity(platform) -> None:
    await seed_catalog(platform)
    c = await funded_customer(platform, amount=30_000_000)
    headers = await bearer(platform, c.customer_id)
    async with api_client(platform) as client:
        hid = await _holding(platform, client, headers, "TD3M", "10000.00")
        put = await client.put(f"/api/v1/deposits/{hid}/maturity", headers=headers,
                               json={"auto_rollover": True})
        assert put.status_code == 200 and put.json()["auto_rollover"] is True
        cd = await _holding(platform, client, headers, "LCD3Y", "200000.00")
        no = await client.put(f"/api/v1/deposits/{cd}/maturity", headers=headers,
                              json={"auto_rollover": True})
        assert no.status_code == 422 and no.json()["error"]["code"] == "ROLLOVER_NOT_OFFERED"
        await _set_date(platform, date(2025, 9, 12))  # 10 days overdue, EOD never ran
        partial = await _withdraw(client, headers, hid, "100.00", "m0")
        assert partial.json()["error"]["code"] == "PARTIAL_AFTER_MATURITY"
        resp = await _withdraw(client, headers, hid, None, "m1")
        body = resp.json()
        # I2-style: 10,000 x 0.80% x 3/12 = 20.00, plus 10 overdue days at 0.05%: 0.14
        assert (body["early"], body["interest"], body["overdue_interest"]) == (False, "20.14",
                                                                               "0.14")
        assert body["holding"]["status"] == "matured"
