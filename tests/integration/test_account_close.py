"""The customer's own close (POST /api/v1/account/close, PIN) on both engines: the staff
close's rule (accounts.domain.closing_problems), every problem listed, nothing written on a
refusal."""

from __future__ import annotations

from sqlalchemy import func, select

from opendeposit.accounts import admin as account_admin
from opendeposit.accounts.domain import AccountNotClosable
from opendeposit.accounts.models import account, account_status_change
from opendeposit.payments import service as payments
from tests.helpers import (
    PIN,
    api_client,
    bearer,
    funded_customer,
    payment_ports,
    seed_catalog,
)


async def _close(p, c, pin: str = PIN):  # type: ignore[no-untyped-def]
    async with api_client(p) as client:
        return await client.post("/api/v1/account/close", headers=await bearer(
            p, c.customer_id), json={"pin": pin})


async def _changes(p) -> int:  # type: ignore[no-untyped-def]
    async with p.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(
            account_status_change))).scalar_one())


async def test_close_refused_while_money_is_left_and_by_the_same_rule_as_staff(
        platform) -> None:
    await seed_catalog(platform)
    c = await funded_customer(platform, amount=1_000_000)
    r = await _close(platform, c)
    assert r.status_code == 409, r.text
    err = r.json()["error"]
    assert (err["code"], err["details"]["problems"]) == ("ACCOUNT_NOT_CLOSABLE",
                                                         ["BALANCE_NOT_ZERO"])
    async with api_client(platform) as client:
        bought = await client.post("/api/v1/deposits", headers=await bearer(
            platform, c.customer_id), json={"product_code": "TD3M", "amount": "10000.00",
                                            "pin": PIN, "idempotency_key": "b"})
        assert bought.status_code == 201, bought.text
    r = await _close(platform, c)
    assert r.json()["error"]["details"]["problems"] == ["ACTIVE_HOLDINGS"]
    staff = await _staff_close_problems(platform, c.account.account_no)
    assert staff == ["ACTIVE_HOLDINGS"]  # the console's close says the same
    wrong = await _close(platform, c, pin="000000")
    assert wrong.status_code in (403, 422) and wrong.json()["error"]["code"].startswith("PIN")
    assert await _changes(platform) == 0
    async with platform.db.read() as conn:
        assert (await conn.execute(select(account.c.status))).scalar_one() == "normal"


async def _staff_close_problems(p, account_no: str) -> list[str]:  # type: ignore[no-untyped-def]
    try:
        await account_admin.close(db=p.db, account_no=account_no, reason="test close",
                                  staff_id=1)
    except AccountNotClosable as exc:
        return list(exc.details["problems"])
    return []


async def test_a_held_withdrawal_blocks_the_close(platform) -> None:
    c = await funded_customer(platform, amount=5_000_000)
    async with api_client(platform) as client:
        held = await client.post("/api/v1/account/withdraw", headers=await bearer(
            platform, c.customer_id), json={"amount": "50000.00", "pin": PIN,
                                            "idempotency_key": "w"})
    assert held.json()["status"] == "held"  # balance 0, but the money is under review
    r = await _close(platform, c)
    assert r.json()["error"]["details"]["problems"] == ["MONEY_IN_FLIGHT"]


async def test_an_emptied_account_is_closed_by_its_holder(platform) -> None:
    c = await funded_customer(platform, amount=10_000)
    out = await payments.withdraw(**payment_ports(platform), customer_id=c.customer_id,
                                  amount=10_000, pin=PIN, idempotency_key="out")
    assert out.status_code == 200, out.body
    r = await _close(platform, c)
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "closed", "account_no": c.account.account_no[:4] + "****"
                        + c.account.account_no[-4:]}
    async with platform.db.read() as conn:
        row = (await conn.execute(select(account.c.status, account.c.closed_at))).one()
        change = (await conn.execute(select(account_status_change.c.actor,
                                            account_status_change.c.reason))).one()
    assert row.status == "closed" and row.closed_at is not None
    assert tuple(change) == (f"customer:{c.customer_id}", "CUSTOMER_REQUEST")
    again = await _close(platform, c)
    assert again.status_code == 404
