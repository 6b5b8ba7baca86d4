"""Risk in the money path (issue #10 phase 2), on SQLite and PostgreSQL: every money call is
judged in its own transaction; a step-up answers 403 and the call comes back with `step_up_id`
and the same idempotency key; a held withdrawal parks the money in 2242 until staff release it
to the card or return it; a dormant account needs a face re-verification; an ordinary
customer's top-up and purchase are not stepped up."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import AccountStatus
from opendeposit.ledger.models import ledger_balance
from opendeposit.payments.models import payment_order
from opendeposit.risk.models import risk_decision, risk_hold, risk_step_up
from opendeposit.risk.service import forget_rules
from tests.helpers import (
    PIN,
    api_client,
    bearer,
    demand_balance,
    funded_customer,
    open_customer,
    seed_catalog,
)
from tests.risk_support import RED, pass_face, register_face, staff, use_fake_faces


@pytest.fixture(autouse=True)
def _fresh_rules():  # type: ignore[no-untyped-def]
    forget_rules()
    yield
    forget_rules()


async def _rule(p, code: str, **body: object) -> None:  # type: ignore[no-untyped-def]
    async with api_client(p) as client:
        r = await client.put(f"/admin/api/v1/risk/rules/{code}", headers=await staff(p),
                             json={**body, "reason": "test"})
        assert r.status_code == 200, r.text
    forget_rules()


async def _count(p, table, *where) -> int:  # type: ignore[no-untyped-def]
    async with p.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table).where(*where))
                    ).scalar_one())


async def _ledger(p, code: str) -> int:  # type: ignore[no-untyped-def]
    async with p.db.read() as conn:
        return int((await conn.execute(select(func.coalesce(func.sum(ledger_balance.c.balance),
                                                            0)).where(
            ledger_balance.c.account_code == code))).scalar_one())


async def _sms_pass(p, client, h, c, sid: str) -> None:  # type: ignore[no-untyped-def]
    assert (await client.post(f"/api/v1/step-up/{sid}/sms", headers=h)).status_code == 202
    code = (await client.get(f"/sandbox/sms/{c.phone}")).json()["code"]
    ok = await client.post(f"/api/v1/step-up/{sid}/sms/confirm", headers=h, json={"code": code})
    assert ok.status_code == 200 and ok.json()["status"] == "verified", ok.text


async def test_top_up_step_up_round_trip_with_the_same_key(platform) -> None:
    c = await funded_customer(platform, amount=100_000)  # one move already
    await _rule(platform, "VELOCITY_PHONE", thresholds={"max_moves": 1})
    h = await bearer(platform, c.customer_id)
    body = {"amount": "200.00", "pin": PIN, "idempotency_key": "t-1"}
    async with api_client(platform) as client:
        asked = await client.post("/api/v1/account/top-up", headers=h, json=body)
        assert asked.status_code == 403, asked.text
        err = asked.json()["error"]
        assert err["code"] == "STEP_UP_REQUIRED" and err["details"]["methods"] == ["face", "sms"]
        sid = err["details"]["step_up_id"]
        assert await demand_balance(platform, c) == 100_000  # nothing moved
        assert await _count(platform, payment_order) == 1  # only the funding top-up
        early = await client.post("/api/v1/account/top-up", headers=h,
                                  json={**body, "step_up_id": sid})
        assert early.json()["error"]["code"] == "STEP_UP_NOT_VERIFIED"
        other = await client.post("/api/v1/account/withdraw", headers=h,
                                  json={**body, "idempotency_key": "w-x", "step_up_id": sid})
        assert other.json()["error"]["code"] == "STEP_UP_MISMATCH"  # another call
        await _sms_pass(platform, client, h, c, sid)
        done = await client.post("/api/v1/account/top-up", headers=h,
                                 json={**body, "step_up_id": sid})
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "succeeded" and done.json()["balance"] == "1200.00"
        # the key's answer replays without the step-up (its body comparison ignores it) ...
        replay = await client.post("/api/v1/account/top-up", headers=h, json=body)
        assert replay.status_code == 200 and replay.json() == done.json()
        # ... and the used step-up cannot carry another call
        reused = await client.post("/api/v1/account/top-up", headers=h, json={
            **body, "idempotency_key": "t-2", "step_up_id": sid})
        assert reused.json()["error"]["code"] in ("STEP_UP_USED", "STEP_UP_MISMATCH")
    assert await demand_balance(platform, c) == 120_000
    async with platform.db.read() as conn:
        kinds = (await conn.execute(select(risk_decision.c.kind, risk_decision.c.action,
                                           risk_decision.c.stepped_up).order_by(
            risk_decision.c.id))).all()
        used = (await conn.execute(select(risk_step_up.c.status))).scalars().all()
    assert [tuple(k) for k in kinds][-2:] == [("top_up", "step_up", False),
                                              ("top_up", "allow", True)]
    assert used == ["used"]


async def test_purchase_and_early_withdrawal_are_judged_and_stepped_up(platform) -> None:
    await seed_catalog(platform)
    c = await funded_customer(platform, amount=2_000_000)
    h = await bearer(platform, c.customer_id)
    async with api_client(platform) as client:
        bought = await client.post("/api/v1/deposits", headers=h, json={
            "product_code": "TD3M", "amount": "10000.00", "pin": PIN, "idempotency_key": "b1"})
        assert bought.status_code == 201, bought.text  # an ordinary purchase: no step-up
        await _rule(platform, "VELOCITY_PHONE", thresholds={"max_moves": 2})
        hid = bought.json()["id"]
        body = {"pin": PIN, "idempotency_key": "e1"}
        asked = await client.post(f"/api/v1/deposits/{hid}/withdraw", headers=h, json=body)
        assert asked.status_code == 403 and asked.json()["error"]["code"] == "STEP_UP_REQUIRED"
        sid = asked.json()["error"]["details"]["step_up_id"]
        await _sms_pass(platform, client, h, c, sid)
        done = await client.post(f"/api/v1/deposits/{hid}/withdraw", headers=h,
                                 json={**body, "step_up_id": sid})
        assert done.status_code == 200 and done.json()["early"] is True, done.text
        buy = {"product_code": "TD3M", "amount": "5000.00", "pin": PIN, "idempotency_key": "b2"}
        asked = await client.post("/api/v1/deposits", headers=h, json=buy)
        assert asked.json()["error"]["code"] == "STEP_UP_REQUIRED"
        assert await demand_balance(platform, c) == 2_000_000  # nothing bought
    async with platform.db.read() as conn:
        rows = (await conn.execute(select(risk_decision.c.kind, risk_decision.c.action,
                                          risk_decision.c.hits).order_by(risk_decision.c.id))
                ).all()
    assert [(r.kind, r.action) for r in rows] == [
        ("top_up", "allow"), ("purchase", "allow"), ("early_withdrawal", "step_up"),
        ("early_withdrawal", "allow"), ("purchase", "step_up")]
    assert [h["code"] for h in json.loads(rows[-1].hits)] == ["VELOCITY_PHONE"]


async def _rapid_out(p, c, key: str):  # type: ignore[no-untyped-def]
    async with api_client(p) as client:
        return await client.post("/api/v1/account/withdraw", headers=await bearer(
            p, c.customer_id), json={"amount": "50000.00", "pin": PIN, "idempotency_key": key})


async def test_rapid_in_and_out_is_held_then_released_to_the_card(platform) -> None:
    c = await funded_customer(platform, amount=5_000_000)  # 50,000 in ...
    held = await _rapid_out(platform, c, "w1")  # ... and all of it out at once: 快进快出
    assert held.status_code == 202, held.text
    body = held.json()
    assert body["status"] == "held" and body["balance"] == "0.00"
    hold_id = body["hold_id"]
    assert await _ledger(platform, "2242") == 5_000_000  # parked: still in the bank's books
    assert await _count(platform, payment_order) == 1  # no card call yet
    card = platform.sandbox["cards"]
    before = await card.card_balance(c.card_number)
    async with api_client(platform) as client:
        officer = await staff(platform)
        listed = await client.get("/admin/api/v1/holds?status=held", headers=officer)
        assert [x["id"] for x in listed.json()["items"]] == [hold_id]
        decision = listed.json()["items"][0]["decision_id"]
        why = await client.get(f"/admin/api/v1/risk/decisions/{decision}", headers=officer)
        assert [x["code"] for x in why.json()["hits"]] == ["RAPID_IN_OUT"]
        operator = await staff(platform, "operator", staff_id=901)
        denied = await client.post(f"/admin/api/v1/holds/{hold_id}/release", headers=operator,
                                   json={"reason": "ok"})
        assert denied.status_code == 403
        done = await client.post(f"/admin/api/v1/holds/{hold_id}/release", headers=officer,
                                 json={"reason": "customer called, verified"})
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "released"
        assert done.json()["transfer"]["status"] == "succeeded"
        again = await client.post(f"/admin/api/v1/holds/{hold_id}/return", headers=officer,
                                  json={"reason": "too late"})
        assert again.status_code == 409 and again.json()["error"]["code"] == "HOLD_SETTLED"
    assert await card.card_balance(c.card_number) == before + 5_000_000
    assert (await _ledger(platform, "2242"), await _ledger(platform, "2241")) == (0, 0)
    replay = await _rapid_out(platform, c, "w1")  # the customer's key now tells the outcome
    assert replay.status_code == 200 and replay.json()["status"] == "succeeded"


async def test_a_held_withdrawal_returned_goes_back_to_the_balance(platform) -> None:
    c = await funded_customer(platform, amount=5_000_000)
    held = await _rapid_out(platform, c, "w1")
    hold_id = held.json()["hold_id"]
    async with api_client(platform) as client:
        r = await client.post(f"/admin/api/v1/holds/{hold_id}/return",
                              headers=await staff(platform), json={"reason": "mule pattern"})
        assert r.status_code == 200 and r.json()["status"] == "returned", r.text
    assert await demand_balance(platform, c) == 5_000_000
    assert await _ledger(platform, "2242") == 0
    assert await _count(platform, risk_hold, risk_hold.c.status == "returned") == 1
    replay = await _rapid_out(platform, c, "w1")
    assert replay.json()["status"] == "returned" and replay.json()["balance"] == "50000.00"


async def test_dormant_account_money_calls_need_a_face_reverification(platform) -> None:
    use_fake_faces(platform)
    await seed_catalog(platform)
    c = await funded_customer(platform, amount=100_000)
    await register_face(platform, c, RED)
    await accounts.change_status(platform, account_id=c.account.id,
                                 status=AccountStatus.NON_COUNTER_SUSPENDED,
                                 reason="DORMANT_NEW_ACCOUNT", actor="system:eod")
    h = await bearer(platform, c.customer_id)
    decisions = await _count(platform, risk_decision)
    async with api_client(platform) as client:
        for path in ("/api/v1/account/top-up", "/api/v1/account/withdraw"):
            r = await client.post(path, headers=h, json={
                "amount": "1.00", "pin": PIN, "idempotency_key": path[-8:]})
            assert r.status_code == 403 and r.json()["error"]["code"] == \
                "REVERIFICATION_REQUIRED", r.text
        buy = await client.post("/api/v1/deposits", headers=h, json={
            "product_code": "TD3M", "amount": "500.00", "pin": PIN, "idempotency_key": "b"})
        assert buy.status_code == 403 and buy.json()["error"]["code"] == \
            "REVERIFICATION_REQUIRED", buy.text
        assert await _count(platform, risk_decision) == decisions  # nothing written
        asked = await client.post("/api/v1/account/reactivate", headers=h, json={})
        sid = asked.json()["error"]["details"]["step_up_id"]
        assert (await pass_face(client, h, sid, RED)).status_code == 200
        assert (await client.post("/api/v1/account/reactivate", headers=h,
                                  json={"step_up_id": sid})).status_code == 200
        ok = await client.post("/api/v1/account/top-up", headers=h, json={
            "amount": "1.00", "pin": PIN, "idempotency_key": "after"})
        assert ok.status_code == 200, ok.text


async def test_the_demo_customer_journey_is_not_stepped_up(platform) -> None:
    """An ordinary customer: a top-up from the card bound at opening, a purchase, a small
    withdrawal. Each is judged (a decision with the ruleset) and none is stepped up."""
    await seed_catalog(platform)
    c = await open_customer(platform)
    h = await bearer(platform, c.customer_id)
    async with api_client(platform) as client:
        up = await client.post("/api/v1/account/top-up", headers=h, json={
            "amount": "60000.00", "pin": PIN, "idempotency_key": "d1"})
        assert up.status_code == 200, up.text
        buy = await client.post("/api/v1/deposits", headers=h, json={
            "product_code": "TD1Y", "amount": "50000.00", "pin": PIN, "idempotency_key": "d2"})
        assert buy.status_code == 201, buy.text
        out = await client.post("/api/v1/account/withdraw", headers=h, json={
            "amount": "1000.00", "pin": PIN, "idempotency_key": "d3"})
        assert out.status_code == 200, out.text
    async with platform.db.read() as conn:
        rows = (await conn.execute(select(risk_decision.c.kind, risk_decision.c.action,
                                          risk_decision.c.ruleset))).all()
    assert [(r.kind, r.action) for r in rows] == [("top_up", "allow"), ("purchase", "allow"),
                                                  ("withdraw", "allow")]
    assert all(len(r.ruleset) == 12 for r in rows)


async def test_concurrent_moves_count_against_the_velocity_limit(platform) -> None:
    """A customer's moves fired at once are judged one after another: the velocity rule lets
    `max_moves` of them through and steps up the rest — also for the very first moves of a
    new customer (no risk summary yet) and through the gate's optimistic fast path."""
    import asyncio

    from opendeposit.errors import OpenDepositError
    from opendeposit.payments import service as payments
    from tests.helpers import payment_ports

    await _rule(platform, "VELOCITY_PHONE", thresholds={"max_moves": 3})
    c = await open_customer(platform, card_balance=100_000_000)

    async def one(i: int) -> str:
        try:
            await payments.top_up(**payment_ports(platform), customer_id=c.customer_id,
                                  amount=100 + i, pin=PIN, idempotency_key=f"v-{i}")
            return "ok"
        except OpenDepositError as exc:
            return exc.code

    results = await asyncio.gather(*(one(i) for i in range(12)))
    assert results.count("ok") == 3, results
    assert set(results) == {"ok", "STEP_UP_REQUIRED"}, results
    moved = sum(100 + i for i, r in enumerate(results) if r == "ok")
    assert await demand_balance(platform, c) == moved


async def test_the_unlocked_way_writes_only_on_the_summary_it_read(pg_platform,
                                                                   monkeypatch) -> None:
    """PostgreSQL's common case: a move of a known customer is judged on an unlocked read and
    its risk rows ride in the move's own plan. The plan is guarded by the summary as read:
    after another move of the customer changed it, the same rows abandon (nothing written)."""
    from opendeposit import clock
    from opendeposit.db.apply import apply
    from opendeposit.deposits import service as deposits
    from opendeposit.payments import service as payments
    from opendeposit.risk import service, writes
    from opendeposit.risk.history import Event, EventKind, load_customer
    from opendeposit.risk.models import risk_profile
    from opendeposit.writeplan import Plan, PlanAbandoned
    from tests.helpers import deposit_ports, payment_ports

    p = pg_platform
    c = await funded_customer(p, amount=100_000)  # a first move: the summary exists now
    used: list[bool] = []
    judge = service.judge_unlocked

    async def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = await judge(*args, **kwargs)
        used.append(found is not None)
        return found

    monkeypatch.setattr(service, "judge_unlocked", spy)
    # the moves bring the summary with their own context reads: no read of the gate's own
    reads: list[int] = []
    read_summary = service.read_summary

    async def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(1)
        return await read_summary(*args, **kwargs)

    monkeypatch.setattr(service, "read_summary", counted)
    await payments.top_up(**payment_ports(p), customer_id=c.customer_id, amount=200, pin=PIN,
                          idempotency_key="u-1")
    assert used == [True] and reads == []
    async with p.db.read() as conn:
        text = (await conn.execute(select(risk_profile.c.history).where(
            risk_profile.c.customer_id == c.customer_id))).scalar_one()
    assert len(load_customer(text).moves) == 2  # the fast move is counted like the first
    decisions = await _count(p, risk_decision, risk_decision.c.customer_id == c.customer_id)
    assert decisions == 2

    await seed_catalog(p)
    bought = await deposits.purchase(**deposit_ports(p), customer_id=c.customer_id,
                                     product_code="TD3M", amount=5_000, pin=PIN,
                                     idempotency_key="u-buy")
    assert bought.status_code == 201 and used == [True, True] and reads == []
    assert await _count(p, risk_decision, risk_decision.c.customer_id == c.customer_id) == 3

    now = clock.utcnow()
    judged = await judge(p.db, vault=p.vault, event=Event(c.customer_id, EventKind.TOP_UP, now,
                                                          300), balance=100_200,
                         draw_serial=True)
    assert judged is not None and judged.serial_no is not None
    await payments.top_up(**payment_ports(p), customer_id=c.customer_id, amount=400, pin=PIN,
                          idempotency_key="u-2")  # meanwhile: the summary moves
    steps, _ = writes.steps(service.judged_rows(judged, business_date=None),
                            history_text=judged.gathered.history_text or "",
                            device_text=judged.gathered.device_text)
    with pytest.raises(PlanAbandoned) as abandoned:
        await apply(p.db, Plan(steps, now))
    assert abandoned.value.reason == writes.SUMMARY_MOVED
    assert await _count(p, risk_decision, risk_decision.c.customer_id == c.customer_id) == 4
