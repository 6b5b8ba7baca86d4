"""Receipts through the real consumer on both engines: exactly one signed receipt per booking
whatever the bus does (duplicates, outages, a signer that crashes before its commit)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from datetime import timedelta
from typing import Any

import pytest

from opendeposit.deposits import service as deposits
from opendeposit.deposits import withdraw as deposit_withdraw
from opendeposit.esb import store
from opendeposit.esb.envelope import Envelope
from opendeposit.esb.outbox import enqueue
from opendeposit.esb.registry import RECEIPT_ISSUE
from opendeposit.esb.store import RetryPolicy
from opendeposit.esign.service import CODE_ALPHABET, issue
from opendeposit.esign.sm2 import sm2_verify
from opendeposit.esign.verify import verify_receipt_pdf
from opendeposit.payments import service as payments
from tests.helpers import (
    PIN,
    allow_volume,
    deposit_ports,
    funded_customer,
    open_customer,
    payment_ports,
    seed_catalog,
)
from tests.integration.esb_support import (
    FlakyTransport,
    all_published,
    outbox_rows,
    receipts,
    rewire,
    shared_pki,  # noqa: F401  (fixture)
    use_transport,
    wait_for,
)


@pytest.fixture
async def rp(platform, shared_pki):  # type: ignore[no-untyped-def]  # noqa: F811
    p = rewire(platform, shared_pki)
    yield p
    await p.bus.close()
    p.esign.close()


async def top_ups(p, c, n: int, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    for i in range(start, start + n):
        ans = await payments.top_up(**payment_ports(p),
                                    customer_id=c.customer_id, amount=100 + i, pin=PIN,
                                    idempotency_key=f"t{i}")
        assert ans.status_code == 200


def one_per_booking(rows: list[Any]) -> dict[tuple[str, str], int]:
    seen: dict[tuple[str, str], int] = {}
    for r in rows:
        seen[(r.reference, r.kind)] = seen.get((r.reference, r.kind), 0) + 1
    return seen


async def test_top_up_and_withdrawal_each_get_one_signed_receipt(rp) -> None:
    c = await open_customer(rp)
    await payments.top_up(**payment_ports(rp), customer_id=c.customer_id, amount=123_456, pin=PIN,
                          idempotency_key="t")
    await payments.withdraw(**payment_ports(rp), customer_id=c.customer_id, amount=456, pin=PIN,
                            idempotency_key="w")
    assert await rp.bus.relay.drain() == 2
    for row in await outbox_rows(rp):  # the bus delivers again: nothing new
        await rp.esign.consume(Envelope.from_row(row))
    rows = await receipts(rp)
    assert [(r.kind, r.amount, r.status) for r in rows] == [
        ("top_up", 123_456, "issued"), ("withdrawal", 456, "issued")]
    assert rows[0].amount_in_words == "人民币壹仟贰佰叁拾肆元伍角陆分"
    trust = await rp.esign.trust()
    for seq, r in enumerate(rows, start=1):
        assert r.receipt_no == f"HD{r.business_date:%Y%m%d}{seq:08d}"
        assert re.fullmatch(f"[{CODE_ALPHABET}]{{6}}", r.verification_code)
        pdf = await rp.esign.store.get(r.pdf_path)
        assert r.pdf_path == f"{r.business_date:%Y/%m}/{r.receipt_no}.pdf"
        assert hashlib.sha256(pdf).hexdigest() == r.sha256
        assert sm2_verify(pdf, r.sm2_signature, trust.sm2_public_key)
        fields = json.loads(r.fields)
        report = await asyncio.to_thread(verify_receipt_pdf, pdf, trust=trust,
                                         expected_fields={r.receipt_no: fields}.get,
                                         sm2_signature=r.sm2_signature)
        assert report.genuine, report.codes
        assert fields["verify_url"].endswith(
            f"/m/verify?no={r.receipt_no}&code={r.verification_code}")
    top_up_fields = json.loads(rows[0].fields)
    assert top_up_fields["payer_account"].startswith(c.card_number[:4])
    assert top_up_fields["payee_bank"] == rp.settings.bank_name


async def test_bus_outage_mid_run_then_recovery_leaves_every_receipt_once(rp) -> None:
    await allow_volume(rp)  # many moves of one customer in seconds: not a fraud test
    c = await open_customer(rp)
    flaky = FlakyTransport(rp.bus.transport)
    use_transport(rp, flaky)
    rp.bus.relay.policy = RetryPolicy(max_attempts=1000, base=timedelta(milliseconds=10),
                                      cap=timedelta(milliseconds=50))  # outlive the outage
    await top_ups(rp, c, 4)
    await rp.bus.start_relay()
    await wait_for(lambda: _count_is(rp, 4), what="first receipts")
    flaky.down = True  # the bus stops delivering
    await top_ups(rp, c, 4, start=4)
    await wait_for(lambda: _refused(flaky), what="refused deliveries")
    flaky.down = False
    await top_ups(rp, c, 2, start=8)
    await wait_for(lambda: all_published(rp), what="recovery")
    await rp.bus.stop_relay()
    rows = await receipts(rp)
    assert len(rows) == 10 and set(one_per_booking(rows).values()) == {1}
    assert {r.status for r in rows} == {"issued"}


async def _count_is(p, n: int) -> bool:  # type: ignore[no-untyped-def]
    return len(await receipts(p)) == n


async def _refused(flaky: FlakyTransport) -> bool:
    return flaky.refused >= 4


async def test_signer_crash_between_signing_and_commit_is_resumed(rp) -> None:
    c = await open_customer(rp)
    await top_ups(rp, c, 5)
    real_put, calls = rp.esign.store.put, []

    async def put_then_crash(key: str, data: bytes) -> None:  # puts may run concurrently
        calls.append(key)
        await real_put(key, data)  # the file is written...
        if key.endswith("00000003.pdf") and calls.count(key) == 1:
            raise RuntimeError("signer crashed before its commit")  # ...the commit is not

    rp.esign.store.put = put_then_crash  # type: ignore[method-assign]
    await wait_for(lambda: _drain_all(rp), what="all receipts")
    rows = await receipts(rp)
    assert len(rows) == 5 and set(one_per_booking(rows).values()) == {1}
    assert [r.receipt_no[-2:] for r in rows] == ["01", "02", "03", "04", "05"]  # no gap
    assert len(calls) == 6 and calls.count(calls[2]) == 2  # the crashed one was re-signed
    assert calls[2].endswith("00000003.pdf")
    for r in rows:
        assert hashlib.sha256(await rp.esign.store.get(r.pdf_path)).hexdigest() == r.sha256
    crashed = [r for r in await outbox_rows(rp) if r.attempts]
    assert len(crashed) == 1 and "signer crashed" in crashed[0].last_error


async def _drain_all(p) -> bool:  # type: ignore[no-untyped-def]
    await p.bus.relay.run_once()
    return await all_published(p)


async def test_signer_killed_mid_batch_loses_no_receipt(rp) -> None:
    c = await open_customer(rp)
    await top_ups(rp, c, 4)
    real_produce, started = rp.esign.produce, asyncio.Event()

    async def produce_slowly(data):  # type: ignore[no-untyped-def]
        started.set()
        await asyncio.sleep(30)
        return await real_produce(data)

    rp.esign.produce = produce_slowly  # type: ignore[method-assign]
    rp.bus.relay.lease = timedelta(milliseconds=300)
    victim = asyncio.create_task(rp.bus.relay.run_once())
    await asyncio.wait_for(started.wait(), 10)
    victim.cancel()  # the process is killed while signing
    with pytest.raises(asyncio.CancelledError):
        await victim
    assert {r.status for r in await receipts(rp)} == {"signing"}
    rp.esign.produce = real_produce  # type: ignore[method-assign]
    await asyncio.sleep(0.35)  # the dead process's lease runs out
    await wait_for(lambda: _drain_all(rp), what="resumed receipts")
    rows = await receipts(rp)
    assert len(rows) == 4 and {r.status for r in rows} == {"issued"}
    assert set(one_per_booking(rows).values()) == {1}


async def test_concurrent_duplicates_and_double_requests_make_one_receipt(rp) -> None:
    c = await open_customer(rp)
    await top_ups(rp, c, 1)
    (row,) = await outbox_rows(rp)
    env = Envelope.from_row(row)
    async with rp.db.transaction() as conn:  # a producer bug: the same booking asked twice
        await enqueue(conn, service_code=RECEIPT_ISSUE, target_system="ESIGN",
                      body=json.loads(row.body))
    numbers = await asyncio.gather(*(issue(rp.esign, env) for _ in range(4)))
    assert len(set(numbers)) == 1
    await rp.bus.relay.drain()
    rows = await receipts(rp)
    assert len(rows) == 1 and rows[0].status == "issued"
    assert rows[0].receipt_no.endswith("00000001")


async def test_deposit_purchase_and_early_withdrawal_get_their_receipts(rp) -> None:
    await seed_catalog(rp)
    c = await funded_customer(rp, amount=5_000_000)
    bought = await deposits.purchase(**deposit_ports(rp),
                                     customer_id=c.customer_id, product_code="TD1Y",
                                     amount=1_000_000, pin=PIN, idempotency_key="buy")
    assert bought.status_code == 201, bought.body
    holding_id = bought.body["id"]
    out = await deposit_withdraw.withdraw(**deposit_ports(rp),
                                          customer_id=c.customer_id, holding_id=holding_id,
                                          amount=None, pin=PIN, idempotency_key="out")
    assert out.status_code == 200, out.body
    await rp.bus.relay.drain()
    by_kind = {r.kind: r for r in await receipts(rp)}
    assert set(by_kind) == {"top_up", "deposit_purchase", "early_withdrawal"}
    purchase = json.loads(by_kind["deposit_purchase"].fields)
    assert by_kind["deposit_purchase"].reference == f"H{holding_id}"
    assert purchase["amount"] == 1_000_000 and purchase["term_months"] == 12
    assert purchase["annual_rate"] == "1.20" and purchase["maturity_date"] == "2026-06-02"
    early = json.loads(by_kind["early_withdrawal"].fields)
    assert early["payee_account"] == purchase["payer_account"] and early["interest"] == 0


async def test_a_body_that_cannot_become_a_receipt_is_a_dead_letter(rp) -> None:
    async with rp.db.transaction() as conn:
        message_id = await enqueue(conn, service_code=RECEIPT_ISSUE, target_system="ESIGN",
                                   body={"receipt_kind": "top_up", "amount": 1.5})
    await rp.bus.relay.drain()
    async with rp.db.read() as conn:
        row = await store.get(conn, message_id)
    assert row.dead == 1 and row.attempts == 1 and "ESB_MESSAGE_REJECTED" in row.last_error
    assert await receipts(rp) == []


async def test_several_signing_relays_number_receipts_without_gaps(rp) -> None:
    await allow_volume(rp)  # many moves of one customer in seconds: not a fraud test
    from opendeposit.esb.relay import Relay

    c = await open_customer(rp)
    await top_ups(rp, c, 12)
    relays = [Relay(rp.db, rp.bus.transport, policy=rp.bus.relay.policy, batch_size=3)
              for _ in range(3)]
    await asyncio.gather(*(r.drain() for r in relays))
    rows = await receipts(rp)
    assert sorted(int(r.receipt_no[-8:]) for r in rows) == list(range(1, 13))
    assert set(one_per_booking(rows).values()) == {1} and {r.status for r in rows} == {"issued"}


async def test_deliveries_in_flight_together_are_issued_as_one_batch(rp, monkeypatch) -> None:
    """Three new bookings, a second delivery of one, a body that cannot become a receipt and a
    receipt whose signing fails, all at once: one batch for the plain ones, the rest one by
    one, each delivery answered for itself."""
    import dataclasses
    import uuid

    from opendeposit.esb.registry import MessageRejected
    from opendeposit.esign import batch

    sizes: list[int] = []
    real_issue_batch = batch.issue_batch

    async def spy(es, items):  # type: ignore[no-untyped-def]
        sizes.append(len(items))
        await real_issue_batch(es, items)

    monkeypatch.setattr(batch, "issue_batch", spy)
    c = await open_customer(rp)
    await top_ups(rp, c, 4)
    envs = [Envelope.from_row(r) for r in await outbox_rows(rp)]
    bad = dataclasses.replace(envs[0], message_id=str(uuid.uuid4()),
                              body={"receipt_kind": "top_up", "amount": 1.5})
    real_produce = rp.esign.produce

    async def produce(data):  # type: ignore[no-untyped-def]
        if data.amount == 103 and not failing:  # the fourth booking fails to sign, once
            failing.append(data.receipt_no)
            raise RuntimeError("HSM busy")
        return await real_produce(data)

    failing: list[str] = []
    rp.esign.produce = produce  # type: ignore[method-assign]
    results = await asyncio.gather(*(rp.esign.consume(e) for e in [*envs, envs[1], bad]),
                                   return_exceptions=True)
    assert sizes[0] == 6  # all six in the first batch
    assert isinstance(results[-1], MessageRejected)
    assert isinstance(results[3], RuntimeError) and "HSM busy" in str(results[3])
    assert [r for i, r in enumerate(results) if i not in (3, 5)] == [None] * 4
    rows = await receipts(rp)
    assert len(rows) == 4 and set(one_per_booking(rows).values()) == {1}
    assert [r.status for r in rows] == ["issued", "issued", "issued", "signing"]
    await rp.esign.consume(envs[3])  # the bus delivers it again: resumed, same number
    rows = await receipts(rp)
    assert [r.status for r in rows] == ["issued"] * 4 and rows[3].receipt_no == failing[0]
    assert sorted(int(r.receipt_no[-8:]) for r in rows) == [1, 2, 3, 4]


async def test_a_remote_tsa_is_awaited_on_the_event_loop(platform, shared_pki,  # noqa: F811
                                                         monkeypatch) -> None:
    """With a TSA over the network the round trip happens between the two CPU halves, on the
    loop (receipts in flight overlap their timestamps), and the receipts are genuine."""
    import threading

    from opendeposit.esign import service as esign_service
    from opendeposit.esign.pki import PkiPaths
    from opendeposit.esign.timestamps import TimeStamper, load_local_timestamper

    where: list[str] = []

    class SlowRemoteTsa(TimeStamper):
        def __init__(self) -> None:
            super().__init__()
            self.inner = load_local_timestamper(PkiPaths(shared_pki))

        async def async_timestamp(self, message_digest, md_algorithm):  # type: ignore[no-untyped-def]
            where.append(threading.current_thread().name)
            await asyncio.sleep(0.05)  # the network
            return await self.inner.async_timestamp(message_digest, md_algorithm)

    monkeypatch.setattr(esign_service, "http_timestamper", lambda url, timeout: SlowRemoteTsa())
    p = rewire(platform, shared_pki, esign_tsa_url="https://tsa.example.cn/tsp")
    try:
        c = await open_customer(p)
        await top_ups(p, c, 3)
        assert await p.bus.relay.drain() == 3
        rows = await receipts(p)
        assert [r.status for r in rows] == ["issued"] * 3
        trust = await p.esign.trust()
        for r in rows:
            pdf = await p.esign.store.get(r.pdf_path)
            report = await asyncio.to_thread(verify_receipt_pdf, pdf, trust=trust)
            assert report.genuine, report.codes
        assert where == ["MainThread"] * 3
    finally:
        await p.bus.close()
        p.esign.close()
