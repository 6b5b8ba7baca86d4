"""Closed-loop top-up and withdrawal on both engines: effects, failures, reconciliation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from opendeposit.accounts.service import PinLocked, PinWrong
from opendeposit.errors import OpenDepositError
from opendeposit.ledger.service import InsufficientFunds, verify
from opendeposit.payments import service as payments
from tests.helpers import (
    PIN,
    demand_balance,
    ledger_state,
    open_customer,
    payment_ports,
    reconcile_ports,
)


async def _verify(p) -> None:  # type: ignore[no-untyped-def]
    async with p.db.read() as conn:
        report = await verify(conn)
    assert report.ok, report.problems


async def test_top_up_and_withdraw_move_money_between_card_and_account(platform) -> None:
    c = await open_customer(platform, card_balance=1_000_000)
    cards = platform.sandbox["cards"]
    ans = await payments.top_up(**payment_ports(platform),
                                customer_id=c.customer_id, amount=250_050, pin=PIN,
                                idempotency_key="t1")
    assert ans.status_code == 200 and ans.body["status"] == "succeeded"
    assert ans.body["balance"] == "2500.50"
    assert await cards.card_balance(c.card_number) == 1_000_000 - 250_050

    ans = await payments.withdraw(**payment_ports(platform),
                                  customer_id=c.customer_id, amount=50_025, pin=PIN,
                                  idempotency_key="w1")
    assert ans.status_code == 200 and ans.body["balance"] == "2000.25"
    assert await demand_balance(platform, c) == 200_025
    assert await cards.card_balance(c.card_number) == 1_000_000 - 200_025
    await _verify(platform)


async def test_withdraw_more_than_balance_is_refused_and_writes_nothing(platform) -> None:
    c = await open_customer(platform)
    await payments.top_up(**payment_ports(platform),
                          customer_id=c.customer_id, amount=10_000, pin=PIN,
                          idempotency_key="t1")
    before = await ledger_state(platform)
    with pytest.raises(InsufficientFunds):
        await payments.withdraw(**payment_ports(platform),
                                customer_id=c.customer_id, amount=10_001, pin=PIN,
                                idempotency_key="w1")
    assert await ledger_state(platform) == before
    # the key was not consumed by the refused attempt: it can be used for a valid request
    ans = await payments.withdraw(**payment_ports(platform),
                                  customer_id=c.customer_id, amount=10_000, pin=PIN,
                                  idempotency_key="w1")
    assert ans.status_code == 200 and ans.body["balance"] == "0.00"


@pytest.mark.parametrize(("mode", "card_failure"), [("frozen", "CARD_FROZEN"),
                                                     ("decline", "DECLINED")])
async def test_failed_top_up_credits_nothing(platform, mode: str, card_failure: str) -> None:
    c = await open_customer(platform, failure_mode=mode)
    before = await ledger_state(platform)
    ans = await payments.top_up(**payment_ports(platform),
                                customer_id=c.customer_id, amount=5_000, pin=PIN,
                                idempotency_key="t1")
    assert ans.status_code == 422
    assert ans.body["error"]["code"] == "CARD_TRANSFER_FAILED"
    assert ans.body["error"]["card_failure"] == card_failure
    assert await ledger_state(platform) == before


async def test_top_up_beyond_card_balance_fails(platform) -> None:
    c = await open_customer(platform, card_balance=1_000)
    ans = await payments.top_up(**payment_ports(platform),
                                customer_id=c.customer_id, amount=1_001, pin=PIN,
                                idempotency_key="t1")
    assert ans.body["error"]["card_failure"] == "INSUFFICIENT_FUNDS"
    assert await demand_balance(platform, c) == 0


async def test_failed_withdrawal_is_reversed_to_the_account(platform) -> None:
    c = await open_customer(platform)
    await payments.top_up(**payment_ports(platform),
                          customer_id=c.customer_id, amount=30_000, pin=PIN,
                          idempotency_key="t1")
    await platform.sandbox["cards"].set_failure_mode(c.card_number, "frozen")
    ans = await payments.withdraw(**payment_ports(platform),
                                  customer_id=c.customer_id, amount=20_000, pin=PIN,
                                  idempotency_key="w1")
    assert ans.status_code == 422
    assert await demand_balance(platform, c) == 30_000  # held, then given back
    entries, _, _ = await ledger_state(platform)
    assert entries == 3  # top-up, hold, reversal
    await _verify(platform)


async def test_timeout_leaves_top_up_pending_until_reconciliation(platform) -> None:
    c = await open_customer(platform, failure_mode="timeout")
    ans = await payments.top_up(**payment_ports(platform),
                                customer_id=c.customer_id, amount=12_345, pin=PIN,
                                idempotency_key="t1")
    assert ans.status_code == 202 and ans.body["status"] == "pending"
    assert await demand_balance(platform, c) == 0
    settled, still_open = await payments.reconcile(**reconcile_ports(platform),
                                                   older_than=timedelta(0))
    assert (settled, still_open) == (1, 0)
    assert await demand_balance(platform, c) == 12_345
    # a replay of the same request now answers with the settled result
    again = await payments.top_up(**payment_ports(platform),
                                  customer_id=c.customer_id, amount=12_345, pin=PIN,
                                  idempotency_key="t1")
    assert again.status_code == 200 and again.body["status"] == "succeeded"
    await _verify(platform)


async def test_timeout_then_failure_reverses_a_withdrawal(platform) -> None:
    c = await open_customer(platform)
    await payments.top_up(**payment_ports(platform),
                          customer_id=c.customer_id, amount=50_000, pin=PIN,
                          idempotency_key="t1")
    await platform.sandbox["cards"].set_failure_mode(c.card_number, "timeout_fail")
    ans = await payments.withdraw(**payment_ports(platform),
                                  customer_id=c.customer_id, amount=50_000, pin=PIN,
                                  idempotency_key="w1")
    assert ans.status_code == 202
    assert await demand_balance(platform, c) == 0  # held while pending
    assert await payments.reconcile(**reconcile_ports(platform), older_than=timedelta(0)) == (1, 0)
    assert await demand_balance(platform, c) == 50_000
    assert await payments.reconcile(**reconcile_ports(platform),
                                    older_than=timedelta(0)) == (0, 0)  # idempotent
    await _verify(platform)


async def test_five_wrong_pins_lock_and_the_right_pin_no_longer_works(platform) -> None:
    c = await open_customer(platform)
    for left in (4, 3, 2, 1):
        with pytest.raises(PinWrong) as info:
            await payments.top_up(**payment_ports(platform),
                                  customer_id=c.customer_id, amount=100, pin="000001",
                                  idempotency_key=f"bad{left}")
        assert info.value.details["attempts_left"] == left
    with pytest.raises(PinLocked):
        await payments.top_up(**payment_ports(platform),
                              customer_id=c.customer_id, amount=100, pin="000001",
                              idempotency_key="bad0")
    with pytest.raises(PinLocked):
        await payments.top_up(**payment_ports(platform),
                              customer_id=c.customer_id, amount=100, pin=PIN,
                              idempotency_key="good")
    assert await demand_balance(platform, c) == 0


async def test_idempotent_replay_returns_the_first_answer_and_moves_money_once(platform) -> None:
    c = await open_customer(platform)
    first = await payments.top_up(**payment_ports(platform),
                                  customer_id=c.customer_id, amount=7_700, pin=PIN,
                                  idempotency_key="same")
    second = await payments.top_up(**payment_ports(platform),
                                   customer_id=c.customer_id, amount=7_700, pin=PIN,
                                   idempotency_key="same")
    assert first == second
    assert await demand_balance(platform, c) == 7_700
    with pytest.raises(OpenDepositError) as info:
        await payments.top_up(**payment_ports(platform),
                              customer_id=c.customer_id, amount=7_701, pin=PIN,
                              idempotency_key="same")
    assert info.value.code == "IDEMPOTENCY_KEY_REUSED" and info.value.http_status == 409


async def test_a_right_pin_resets_the_count_of_wrong_tries_in_a_row(platform) -> None:
    c = await open_customer(platform)
    for round_ in range(2):  # 4 wrong, 1 right, 4 wrong: never 5 in a row, so never locked
        for i in range(4):
            with pytest.raises(PinWrong):
                await payments.top_up(**payment_ports(platform),
                                      customer_id=c.customer_id, amount=100,
                                      pin="000001", idempotency_key=f"bad{round_}{i}")
        ans = await payments.top_up(**payment_ports(platform),
                                    customer_id=c.customer_id, amount=100, pin=PIN,
                                    idempotency_key=f"good{round_}")
        assert ans.status_code == 200
    assert await demand_balance(platform, c) == 200
