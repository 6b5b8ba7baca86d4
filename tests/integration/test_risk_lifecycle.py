"""The customer's changes that need a face re-verification, on SQLite and PostgreSQL: PIN reset
(also the way back from a locked PIN), bound-card change (zero balance, nothing in flight, five
elements, face, SMS), and re-activation after a suspension for inactivity."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import AccountStatus, luhn_check_digit
from opendeposit.accounts.models import bound_card, bound_card_change
from opendeposit.payments import service as payments
from opendeposit.risk.models import risk_alert, risk_decision, risk_step_up
from opendeposit.risk.service import forget_rules
from tests.helpers import (
    PIN,
    api_client,
    bearer,
    funded_customer,
    open_customer,
    payment_ports,
)
from tests.risk_support import BLUE, RED, pass_face, register_face, sms_code, use_fake_faces

NEW_PIN = "258147"


@pytest.fixture(autouse=True)
def _fresh_rules():  # type: ignore[no-untyped-def]
    forget_rules()
    yield
    forget_rules()


async def _count(p, table, *where) -> int:  # type: ignore[no-untyped-def]
    async with p.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table).where(*where)))
                   .scalar_one())


async def _new_card(p, opened, *, name: str | None = None) -> str:  # type: ignore[no-untyped-def]
    body = f"621700{opened.customer_id:012d}"
    card = body + luhn_check_digit(body)
    await p.sandbox["cards"].add_card(card_number=card, name=name or opened.account.holder_name,
                                      id_number="11010519491231002X", phone=opened.phone,
                                      bank="中国建设银行", balance=0)
    return card


async def test_pin_reset_with_face_unlocks_a_locked_pin(platform) -> None:
    use_fake_faces(platform)
    c = await open_customer(platform)
    await register_face(platform, c, RED)
    for _ in range(5):
        with pytest.raises((accounts.PinWrong, accounts.PinLocked)):
            await accounts.verify_pin(db=platform.db, pins=platform.pins,
                                     customer_id=c.customer_id, pin="975310")
    h = await bearer(platform, c.customer_id)
    async with api_client(platform) as client:
        weak = await client.post("/api/v1/account/pin/reset", headers=h,
                                 json={"new_pin": "111111"})
        assert weak.status_code == 422 and weak.json()["error"]["code"] == "PIN_INVALID_FORMAT"
        assert await _count(platform, risk_step_up) == 0
        asked = await client.post("/api/v1/account/pin/reset", headers=h,
                                  json={"new_pin": NEW_PIN})
        assert asked.status_code == 403
        err = asked.json()["error"]
        assert err["code"] == "STEP_UP_REQUIRED" and err["details"]["methods"] == ["face"]
        sid = err["details"]["step_up_id"]
        early = await client.post("/api/v1/account/pin/reset", headers=h,
                                  json={"new_pin": NEW_PIN, "step_up_id": sid})
        assert early.json()["error"]["code"] == "STEP_UP_NOT_VERIFIED"
        assert (await pass_face(client, h, sid, RED)).status_code == 200
        done = await client.post("/api/v1/account/pin/reset", headers=h,
                                 json={"new_pin": NEW_PIN, "step_up_id": sid})
        assert done.status_code == 200 and done.json() == {"status": "pin_reset"}, done.text
        reused = await client.post("/api/v1/account/pin/reset", headers=h,
                                   json={"new_pin": "369258", "step_up_id": sid})
        assert reused.status_code == 409 and reused.json()["error"]["code"] == "STEP_UP_USED"
        await accounts.verify_pin(db=platform.db, pins=platform.pins, customer_id=c.customer_id,
                                 pin=NEW_PIN)
        # a login from a device never seen before, right after the reset: alerted
        login = await client.post("/api/v1/auth/login", json={
            "phone": c.phone, "code": await sms_code(platform, c.phone), "device_id": "new"})
        assert login.status_code == 200
    async with platform.db.read() as conn:
        alerts = (await conn.execute(select(risk_alert.c.rule_code, risk_alert.c.action))).all()
        kinds = (await conn.execute(select(risk_decision.c.kind).order_by(
            risk_decision.c.id))).scalars().all()
    assert kinds == ["pin_reset", "login"]
    assert ("NEW_DEVICE_AFTER_RESET", "alert") in alerts


async def test_card_change_needs_zero_balance_face_and_sms(platform) -> None:
    use_fake_faces(platform)
    rich = await funded_customer(platform, 1, amount=10_000)
    h = await bearer(platform, rich.customer_id)
    card = await _new_card(platform, rich)
    async with api_client(platform) as client:
        r = await client.post("/api/v1/account/bound-card", headers=h, json={"card_number": card})
        assert r.status_code == 409 and r.json()["error"]["code"] == "ACCOUNT_BALANCE_NOT_ZERO"
        assert await _count(platform, risk_step_up) == 0
    pending = await open_customer(platform, 3, failure_mode="timeout")
    answer = await payments.top_up(**payment_ports(platform), customer_id=pending.customer_id,
                                   amount=100, pin=PIN, idempotency_key="stuck")
    assert answer.status_code == 202  # the card network never answered: in flight
    async with api_client(platform) as client:
        r = await client.post("/api/v1/account/bound-card",
                              headers=await bearer(platform, pending.customer_id),
                              json={"card_number": await _new_card(platform, pending)})
        assert r.status_code == 409 and r.json()["error"]["code"] == "ACCOUNT_MONEY_IN_FLIGHT"
    c = await open_customer(platform, 2)
    await register_face(platform, c, RED)
    h = await bearer(platform, c.customer_id)
    card = await _new_card(platform, c)
    stranger = await _new_card(platform, rich, name="王五")
    async with api_client(platform) as client:
        r = await client.post("/api/v1/account/bound-card", headers=h,
                              json={"card_number": c.card_number})
        assert r.json()["error"]["code"] == "CARD_SAME_AS_BOUND"
        r = await client.post("/api/v1/account/bound-card", headers=h,
                              json={"card_number": stranger})
        assert r.status_code == 422 and r.json()["error"]["code"] == "CARD_NOT_OWN_NAME"
        r = await client.post("/api/v1/account/bound-card", headers=h,
                              json={"card_number": "6222020000000000012"})
        assert r.json()["error"]["code"] in ("INVALID_CARD_NUMBER", "CARD_NOT_FOUND")
        asked = await client.post("/api/v1/account/bound-card", headers=h,
                                  json={"card_number": card})
        assert asked.status_code == 403, asked.text
        sid = asked.json()["error"]["details"]["step_up_id"]
        assert (await pass_face(client, h, sid, RED)).status_code == 200
        other = await client.post("/api/v1/account/bound-card", headers=h,
                                  json={"card_number": stranger, "step_up_id": sid})
        assert other.json()["error"]["code"] == "CARD_NOT_OWN_NAME"
        started = await client.post("/api/v1/account/bound-card", headers=h,
                                    json={"card_number": card, "step_up_id": sid})
        assert started.status_code == 202, started.text
        change_id = started.json()["change_id"]
        assert started.json()["card"]["card_no_masked"] == "****" + card[-4:]
        code = (await client.get(f"/sandbox/sms/{c.phone}")).json()["code"]
        wrong = await client.post("/api/v1/account/bound-card/confirm", headers=h, json={
            "change_id": change_id, "code": f"{(int(code) + 1) % 10**6:06d}"})
        assert wrong.json()["error"]["code"] == "CARD_SMS_CODE_INVALID"
        ok = await client.post("/api/v1/account/bound-card/confirm", headers=h,
                               json={"change_id": change_id, "code": code})
        assert ok.status_code == 200, ok.text
        account = (await client.get("/api/v1/account", headers=h)).json()
        again = await client.post("/api/v1/account/bound-card/confirm", headers=h,
                                  json={"change_id": change_id, "code": code})
        assert again.status_code == 404
    assert account["bound_card"] == {"bank": "中国建设银行", "card_no_masked": "****" + card[-4:]}
    async with platform.db.read() as conn:
        cards = (await conn.execute(select(bound_card.c.card_last4, bound_card.c.status).where(
            bound_card.c.account_id == c.account.id).order_by(bound_card.c.id))).all()
        changes = (await conn.execute(select(bound_card_change.c.status))).scalars().all()
        history = (await conn.execute(text(
            "SELECT history FROM risk_profile WHERE customer_id = :c"),
            {"c": c.customer_id})).scalar_one()
    assert cards == [(c.card_number[-4:], "replaced"), (card[-4:], "active")]
    assert changes == ["done"]
    assert '"last_card_change_at":' in history and '"last_card_change_at":null' not in history


async def test_reactivation_lifts_only_a_dormancy_suspension(platform) -> None:
    use_fake_faces(platform)
    c = await open_customer(platform)
    await register_face(platform, c, RED)
    h = await bearer(platform, c.customer_id)
    async with api_client(platform) as client:
        r = await client.post("/api/v1/account/reactivate", headers=h, json={})
        assert r.status_code == 409 and r.json()["error"]["code"] == "ACCOUNT_NOT_DORMANT"
        await accounts.change_status(platform, account_id=c.account.id,
                                     status=AccountStatus.NON_COUNTER_SUSPENDED,
                                     reason="DORMANT_NEW_ACCOUNT", actor="system:eod")
        asked = await client.post("/api/v1/account/reactivate", headers=h, json={})
        sid = asked.json()["error"]["details"]["step_up_id"]
        bad = await pass_face(client, h, sid, BLUE)
        assert bad.json()["error"]["code"] == "FACE_MISMATCH"
        assert (await pass_face(client, h, sid, RED)).status_code == 200
        done = await client.post("/api/v1/account/reactivate", headers=h,
                                 json={"step_up_id": sid})
        assert done.status_code == 200 and done.json() == {"status": "normal"}
        await accounts.change_status(platform, account_id=c.account.id,
                                     status=AccountStatus.NON_COUNTER_SUSPENDED,
                                     reason="RISK_BLOCK alert 1: fraud", actor="staff:1")
        r = await client.post("/api/v1/account/reactivate", headers=h, json={})
        assert r.json()["error"]["code"] == "ACCOUNT_NOT_DORMANT"
        top_up = await client.post("/api/v1/account/top-up", headers=h, json={
            "amount": "1.00", "pin": PIN, "idempotency_key": "after-block"})
        assert top_up.status_code == 422  # still suspended: staff decide


async def test_dormancy_candidates_for_eod(platform) -> None:
    from datetime import date, timedelta

    from opendeposit import clock
    from opendeposit.risk.dormancy import dormancy_changes
    from opendeposit.risk.history import EventKind
    from tests.risk_support import judge

    unused = await open_customer(platform, 1)
    used = await open_customer(platform, 2)
    recent = await open_customer(platform, 3)
    await judge(platform, used.customer_id, EventKind.TOP_UP, 100,
                at=clock.utcnow() - timedelta(days=400))
    await judge(platform, recent.customer_id, EventKind.TOP_UP, 100)
    async with platform.db.transaction() as conn:
        await conn.execute(text("UPDATE account SET opened_on = :d"), {"d": date(2024, 1, 2)})
    async with platform.db.read() as conn:
        today = clock.beijing_today()
        changes = await dormancy_changes(conn, today=today)
    got = {c.customer_id: (c.change.status.value, c.change.reason) for c in changes}
    assert got == {unused.customer_id: ("dormant", "LONG_DORMANT"),
                   used.customer_id: ("dormant", "LONG_DORMANT")}
    async with platform.db.read() as conn:
        six_months = await dormancy_changes(conn, today=date(2024, 7, 2))
    assert [(c.customer_id, c.change.reason) for c in six_months] == [
        (unused.customer_id, "DORMANT_NEW_ACCOUNT")]
