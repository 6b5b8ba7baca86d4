"""Recovery during the day (issue #12, item 7): open card orders settled by the reconciler,
a killed relay's claims coming back within its short lease, statements in journal order."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from opendeposit.esb import store
from opendeposit.esb.outbox import enqueue, outbox
from opendeposit.esb.relay import Relay
from opendeposit.ledger.service import verify
from opendeposit.ops import reconciler
from opendeposit.payments import service as payments
from tests.helpers import PIN, allow_volume, demand_balance, open_customer, payment_ports
from tests.integration.esb_support import count


class ProcessDied(BaseException):
    """kill -9 as seen from inside: nothing after this line of the request runs."""


class DiesAroundTheCall:
    """The card network port of an API process that dies before or after the network call."""

    def __init__(self, inner, *, after_network: bool) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.after_network = inner, after_network

    async def pull(self, **kwargs):  # type: ignore[no-untyped-def]
        if self.after_network:
            await self.inner.pull(**kwargs)  # the bank moved the money; the answer is lost
        raise ProcessDied()

    def __getattr__(self, name):  # type: ignore[no-untyped-def]
        return getattr(self.inner, name)


@pytest.mark.parametrize("after_network", [False, True])
async def test_an_order_left_open_by_a_dead_process_is_settled_in_the_day(
        platform, after_network: bool) -> None:
    c = await open_customer(platform, card_balance=1_000_000)
    cards = platform.cards
    platform.cards = DiesAroundTheCall(cards, after_network=after_network)
    with pytest.raises(ProcessDied):
        await payments.top_up(**payment_ports(platform),
                              customer_id=c.customer_id, amount=10_000, pin=PIN,
                              idempotency_key="k1")
    platform.cards = cards  # the restarted process
    assert await reconciler.reconcile_once(platform, older_than=timedelta(0)) == (1, 0)
    retry = await payments.top_up(**payment_ports(platform),
                                  customer_id=c.customer_id, amount=10_000, pin=PIN,
                                  idempotency_key="k1")  # the client's retry: final at once
    if after_network:
        assert retry.status_code == 200 and retry.body["status"] == "succeeded"
        assert await demand_balance(platform, c) == 10_000
        assert await cards.card_balance(c.card_number) == 990_000
        assert await count(platform, outbox) == 1  # the receipt request
    else:
        assert retry.status_code == 422 and retry.body["error"]["code"] == "CARD_TRANSFER_FAILED"
        assert await demand_balance(platform, c) == 0
        assert await cards.card_balance(c.card_number) == 1_000_000
    assert await reconciler.reconcile_once(platform, older_than=timedelta(0)) == (0, 0)
    async with platform.db.read() as conn:
        assert (await verify(conn)).ok


async def test_the_reconciler_leaves_young_orders_alone(platform) -> None:
    c = await open_customer(platform)
    cards = platform.cards
    platform.cards = DiesAroundTheCall(cards, after_network=False)
    with pytest.raises(ProcessDied):
        await payments.top_up(**payment_ports(platform),
                              customer_id=c.customer_id, amount=100, pin=PIN,
                              idempotency_key="young")
    platform.cards = cards
    assert await reconciler.reconcile_once(platform, older_than=timedelta(minutes=1)) == (0, 0)


class SlowTransport:
    def __init__(self, seconds: float) -> None:
        self.seconds, self.published = seconds, []

    async def publish(self, env) -> None:  # type: ignore[no-untyped-def]
        await asyncio.sleep(self.seconds)
        self.published.append(env.message_id)

    async def close(self) -> None:
        return None


async def _one_message(p) -> str:  # type: ignore[no-untyped-def]
    async with p.db.transaction() as conn:
        return await enqueue(conn, service_code="TEST.PING", target_system="TEST", body={})


async def test_a_killed_relays_claim_comes_back_after_its_short_lease(platform) -> None:
    mid = await _one_message(platform)
    claimed = await store.claim(platform.db, limit=10, lease=timedelta(seconds=0.5))
    assert [e.message_id for e in claimed] == [mid]  # ...and then that relay was killed
    other = Relay(platform.db, SlowTransport(0), lease=timedelta(seconds=5))
    assert await other.run_once() == 0  # hidden while the dead relay's lease runs
    await asyncio.sleep(0.6)
    assert await other.run_once() == 1
    assert other.transport.published == [mid]  # type: ignore[attr-defined]


async def test_a_working_relay_renews_its_claim(platform) -> None:
    await _one_message(platform)
    slow = Relay(platform.db, SlowTransport(1.2), lease=timedelta(seconds=0.45))
    rival = Relay(platform.db, SlowTransport(0), lease=timedelta(seconds=5))
    working = asyncio.create_task(slow.run_once())
    await asyncio.sleep(0.8)  # past the first lease: only renewal keeps the message hidden
    assert await rival.run_once() == 0
    assert await working == 1
    assert await rival.run_once() == 0  # delivered once, by the slow relay
    assert len(slow.transport.published) == 1  # type: ignore[attr-defined]


@pytest.mark.postgres
async def test_statement_follows_the_journal_sequence_under_concurrent_bookings(
        pg_platform) -> None:
    from opendeposit.accounts.statement import statement

    p = pg_platform
    await allow_volume(p)  # 40 moves of one customer at once: about ordering, not fraud
    c = await open_customer(p, card_balance=100_000_000)
    amounts = list(range(101, 141))
    await asyncio.gather(*(payments.top_up(**payment_ports(p),
                                           customer_id=c.customer_id, amount=a, pin=PIN,
                                           idempotency_key=f"c{a}") for a in amounts))
    lines, _ = await statement(p, ledger_code=c.account.ledger_code, chain=c.account.chain,
                               date_from=None, date_to=None, cursor=None, limit=100)
    seqs = [int(line.id.split("-")[1]) for line in lines]
    assert seqs == sorted(seqs, reverse=True)  # newest first by sequence, whatever the clock
    balance = 0
    for line in reversed(lines):  # each running balance follows from the one before
        balance += line.amount
        assert line.balance_after == balance
    assert balance == sum(amounts)
