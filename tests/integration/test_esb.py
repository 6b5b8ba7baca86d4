"""The bus on both engines: outbox in the business transaction, at-least-once relay with backoff
and dead letters, inbox dedupe, leases when a relay dies, several relays, the admin API."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest

from opendeposit.accounts.models import audit_log
from opendeposit.accounts.service import audit
from opendeposit.errors import OpenDepositError
from opendeposit.esb import inbox, store
from opendeposit.esb.envelope import Envelope
from opendeposit.esb.outbox import enqueue, outbox
from opendeposit.esb.registry import RECEIPT_ISSUE, MessageRejected, ServiceRegistry
from opendeposit.esb.relay import Relay
from opendeposit.esb.store import RetryPolicy
from opendeposit.esb.transport import MemoryTransport
from opendeposit.ledger.models import journal_entry
from opendeposit.payments import service as payments
from opendeposit.staff.demo import seed_demo_staff
from opendeposit.writeplan import Change, Plan, Refuse, Update
from tests.helpers import PIN, api_client, bearer, open_customer, payment_ports
from tests.integration.esb_support import FlakyTransport, count, outbox_rows, wait_for


class Crash(OpenDepositError):
    code = "CRASH"


ECHO = "TEST.ECHO"
POLICY = RetryPolicy(max_attempts=3, base=timedelta(milliseconds=10),
                     cap=timedelta(milliseconds=40))


class Recorder:
    """A consumer that does its work (an audit row) and its inbox row in one transaction."""

    def __init__(self, p, fail: set[str] | None = None) -> None:  # type: ignore[no-untyped-def]
        self.p, self.fail = p, fail if fail is not None else set()
        self.calls: Counter[str] = Counter()
        self.block: asyncio.Event | None = None
        self.blocked = asyncio.Event()

    async def __call__(self, env: Envelope) -> None:
        self.calls[env.message_id] += 1
        if env.body.get("n") in self.fail:
            raise RuntimeError(f"cannot handle {env.body['n']}")
        if self.block is not None and env.body.get("n") == "slow":
            self.blocked.set()
            await self.block.wait()
        async with self.p.db.transaction() as conn:
            if not await inbox.record(conn, self.p.db, consumer="test", message_id=env.message_id,
                                      service_code=env.service_code):
                return
            await audit(conn, actor="test", action="echo", subject=env.message_id,
                        detail=str(env.body.get("n")))


def relay_for(p, consumer, **kwargs) -> Relay:  # type: ignore[no-untyped-def]
    registry = ServiceRegistry()
    registry.declare(ECHO, target_system="TEST")
    registry.consume(ECHO, consumer)
    return Relay(p.db, kwargs.pop("transport", None) or MemoryTransport(registry),
                 policy=kwargs.pop("policy", POLICY), poll_seconds=0.02, **kwargs)


async def send(p, *names: str) -> list[str]:  # type: ignore[no-untyped-def]
    ids = []
    async with p.db.transaction() as conn:
        for n in names:
            ids.append(await enqueue(conn, service_code=ECHO, target_system="TEST",
                                     body={"n": n}))
    return ids


async def effects(p) -> int:  # type: ignore[no-untyped-def]
    return await count(p, audit_log, audit_log.c.action == "echo")


async def test_outbox_message_exists_only_when_the_business_transaction_commits(
        platform, monkeypatch: pytest.MonkeyPatch) -> None:
    c = await open_customer(platform)
    ok = await payments.top_up(**payment_ports(platform),
                               customer_id=c.customer_id, amount=1_00, pin=PIN,
                               idempotency_key="ok")
    assert ok.status_code == 200
    rows = await outbox_rows(platform)
    assert [(r.service_code, r.target_system) for r in rows] == [(RECEIPT_ISSUE, "ESIGN")]

    real = payments.settle_plan

    def crashing_last(*args, **kwargs):  # type: ignore[no-untyped-def]
        plan, answer = real(*args, **kwargs)  # fails after the outbox row was written
        crash = Update("payment_order", (Change(key={"id": -1}, set={"note": "x"}),),
                       on_miss=Refuse(Crash()))
        return plan + Plan((crash,), plan.now), answer

    entries_before = await count(platform, journal_entry)
    monkeypatch.setattr(payments, "settle_plan", crashing_last)
    with pytest.raises(Crash):
        await payments.top_up(**payment_ports(platform),
                              customer_id=c.customer_id, amount=2_00, pin=PIN,
                              idempotency_key="rolled-back")
    assert len(await outbox_rows(platform)) == 1  # the rolled-back top-up left no message
    assert await count(platform, journal_entry) == entries_before


async def test_relay_delivers_every_message_once_and_marks_it_published(platform) -> None:
    consumer = Recorder(platform)
    ids = await send(platform, "a", "b", "c")
    assert await relay_for(platform, consumer).drain() == 3
    assert consumer.calls == Counter({i: 1 for i in ids})
    assert await effects(platform) == 3
    async with platform.db.read() as conn:
        views = [store.view(await store.get(conn, i)) for i in ids]
    assert {v["status"] for v in views} == {"published"}
    assert all(v["published_at"] and v["global_serial"].startswith("DEPOSIT") for v in views)


async def test_a_message_delivered_twice_has_its_effect_once(platform) -> None:
    consumer = Recorder(platform)
    await send(platform, "dup")
    env = Envelope.from_row((await outbox_rows(platform))[0])
    await consumer(env)
    await consumer(env)
    await relay_for(platform, consumer).drain()  # and the relay's own delivery: a third time
    assert consumer.calls[env.message_id] == 3
    assert await effects(platform) == 1


async def test_transport_outage_is_retried_with_backoff_until_it_recovers(platform) -> None:
    consumer = Recorder(platform)
    flaky = FlakyTransport(relay_for(platform, consumer).transport)
    slow = RetryPolicy(max_attempts=5, base=timedelta(milliseconds=400))
    relay = relay_for(platform, consumer, transport=flaky, policy=slow)
    await send(platform, "a", "b")
    flaky.down = True
    assert await relay.run_once() == 2
    rows = await outbox_rows(platform)
    # an outage is not the message's failure: attempts untouched, the error kept, retried later
    assert [(r.attempts, r.published_at, r.dead) for r in rows] == [(0, None, 0)] * 2
    assert all("transport down" in r.last_error for r in rows)
    assert await relay.run_once() == 0  # backing off: not due yet
    flaky.down = False
    await wait_for(lambda: _drained(relay, platform), what="recovery")
    assert await effects(platform) == 2 and flaky.refused == 2 and flaky.delivered == 2


async def test_an_outage_longer_than_the_attempt_budget_makes_no_dead_letter(platform) -> None:
    consumer = Recorder(platform)
    flaky = FlakyTransport(relay_for(platform, consumer).transport)
    fast = RetryPolicy(max_attempts=2, base=timedelta(milliseconds=1),
                       cap=timedelta(milliseconds=5))
    relay = relay_for(platform, consumer, transport=flaky, policy=fast)
    await send(platform, "a", "b")
    flaky.down = True
    for _ in range(6):  # three times the budget of failures a message may have
        await asyncio.sleep(0.02)
        await relay.run_once()
    assert flaky.refused >= 6
    rows = await outbox_rows(platform)
    assert [(r.attempts, r.dead) for r in rows] == [(0, 0)] * 2
    flaky.down = False
    await wait_for(lambda: _drained(relay, platform), what="recovery")
    assert await effects(platform) == 2 and flaky.delivered == 2


async def _drained(relay: Relay, p) -> bool:  # type: ignore[no-untyped-def]
    await relay.run_once()
    return all(r.published_at is not None for r in await outbox_rows(p))


async def test_poison_message_is_parked_then_retried_from_the_admin_api(platform) -> None:
    consumer = Recorder(platform, fail={"poison"})
    relay = relay_for(platform, consumer)
    poison, fine = await send(platform, "poison", "fine")
    await wait_for(lambda: _dead(relay, platform, poison), what="dead letter")
    async with platform.db.read() as conn:
        row = await store.get(conn, poison)
    assert row.attempts == POLICY.max_attempts and "cannot handle poison" in row.last_error
    assert consumer.calls[poison] == POLICY.max_attempts and consumer.calls[fine] == 1
    assert await relay.run_once() == 0  # a dead letter is not retried on its own

    staff = await seed_demo_staff(platform)
    operator = await bearer(platform, staff["maker"][0], kind="staff", roles=("operator",))
    checker = await bearer(platform, staff["checker"][0], kind="staff", roles=("checker",))
    base = "/admin/api/v1/esb/messages"
    async with api_client(platform) as client:
        assert (await client.get(base)).status_code == 401
        assert (await client.post(f"{base}/{poison}/retry", headers=checker)).status_code == 403
        dead = (await client.get(f"{base}?status=dead", headers=operator)).json()["items"]
        assert [m["message_id"] for m in dead] == [poison]
        one = (await client.get(f"{base}/{poison}", headers=operator)).json()
        assert one["status"] == "dead" and one["body"] == {"n": "poison"}
        by_serial = await client.get(f"{base}?serial={one['global_serial']}", headers=operator)
        assert [m["message_id"] for m in by_serial.json()["items"]] == [poison]
        consumer.fail.clear()  # the cause was fixed
        retried = await client.post(f"{base}/{poison}/retry", headers=operator)
        assert retried.status_code == 200 and retried.json()["status"] == "pending"
        again = await client.post(f"{base}/{poison}/retry", headers=operator)
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "ESB_MESSAGE_NOT_DEAD"
        missing = await client.get(f"{base}/nope", headers=operator)
        assert missing.json()["error"]["code"] == "ESB_MESSAGE_NOT_FOUND"
        await relay.drain()
        done = (await client.get(f"{base}/{poison}", headers=operator)).json()
    assert done["status"] == "published" and done["processed_by"][0]["consumer"] == "test"
    assert await effects(platform) == 2
    assert await count(platform, audit_log, audit_log.c.action == "esb.retry") == 1


async def _dead(relay: Relay, p, message_id: str) -> bool:  # type: ignore[no-untyped-def]
    await relay.run_once()
    async with p.db.read() as conn:
        return bool((await store.get(conn, message_id)).dead)


async def test_rejected_message_is_dead_at_once(platform) -> None:
    async def reject(_env: Envelope) -> None:
        raise MessageRejected("bad body")

    (message_id,) = await send(platform, "x")
    await relay_for(platform, reject).drain()
    async with platform.db.read() as conn:
        row = await store.get(conn, message_id)
    assert row.dead == 1 and row.attempts == 1 and "ESB_MESSAGE_REJECTED" in row.last_error


async def test_a_relay_killed_mid_batch_loses_nothing(platform) -> None:
    consumer = Recorder(platform)
    consumer.block = asyncio.Event()
    await send(platform, "a", "slow", "c", "d")
    first = relay_for(platform, consumer, lease=timedelta(milliseconds=300), concurrency=1)
    task = asyncio.create_task(first.run_once())
    await asyncio.wait_for(consumer.blocked.wait(), 10)
    task.cancel()  # the process dies while the consumer works on "slow"
    with pytest.raises(asyncio.CancelledError):
        await task
    consumer.block = None
    second = relay_for(platform, consumer, lease=timedelta(milliseconds=300))
    assert await second.run_once() == 0  # still leased to the dead relay
    await asyncio.sleep(0.35)
    await wait_for(lambda: _drained(second, platform), what="redelivery after the lease")
    assert await effects(platform) == 4


async def test_several_relays_share_the_work_without_double_delivery(platform) -> None:
    consumer = Recorder(platform)
    ids = await send(platform, *(f"m{i}" for i in range(60)))
    relays = [relay_for(platform, consumer, batch_size=7) for _ in range(3)]
    await asyncio.gather(*(r.drain() for r in relays))
    assert consumer.calls == Counter({i: 1 for i in ids})
    assert await effects(platform) == 60
    assert await count(platform, outbox, outbox.c.published_at.is_(None)) == 0


async def test_a_commit_that_wrote_a_message_wakes_the_relay_at_once(platform) -> None:
    consumer = Recorder(platform)
    relay = relay_for(platform, consumer)
    relay.poll_seconds = 30.0  # only the nudge can explain a quick delivery
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    await asyncio.sleep(0.1)  # the loop is waiting now
    await send(platform, "nudged")
    try:
        await wait_for(lambda: _effects_are(platform, 1), timeout=3, what="nudged delivery")
    finally:
        stop.set()
        relay.nudge()
        await asyncio.wait_for(task, 5)


async def _effects_are(p, n: int) -> bool:  # type: ignore[no-untyped-def]
    return await effects(p) == n
