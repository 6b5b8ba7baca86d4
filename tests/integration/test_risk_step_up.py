"""Step-up on SQLite and PostgreSQL: a rule asks for it, the customer passes it (SMS or face),
the repeated call consumes it once; another customer's, an expired, a reused or a mismatched
step-up is refused with a stable code and nothing written."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from opendeposit import clock
from opendeposit.risk import stepup
from opendeposit.risk.history import EventKind
from opendeposit.risk.models import risk_alert, risk_decision, risk_step_up
from opendeposit.risk.service import Call, forget_rules
from tests.helpers import api_client, bearer, open_customer
from tests.risk_support import (
    BLUE,
    RED,
    judge,
    pass_face,
    photo,
    register_face,
    staff,
    use_fake_faces,
)

CALL = Call("top_up", hashlib.sha256(b"top_up 2.00").hexdigest())


@pytest.fixture(autouse=True)
def _fresh_rules():  # type: ignore[no-untyped-def]
    forget_rules()
    yield
    forget_rules()


async def _tighten(p, code: str, **thresholds: object) -> None:  # type: ignore[no-untyped-def]
    async with api_client(p) as client:
        r = await client.put(f"/admin/api/v1/risk/rules/{code}", headers=await staff(p),
                             json={"thresholds": thresholds, "reason": "test"})
        assert r.status_code == 200, r.text
    forget_rules()


async def _consume(p, step_up_id: str, customer_id: int, call: Call = CALL):  # type: ignore[no-untyped-def]
    async with p.db.transaction() as conn:
        return await stepup.consume(conn, step_up_id=step_up_id, customer_id=customer_id,
                                    operation=call.operation, request_hash=call.request_hash)


async def _count(p, table) -> int:  # type: ignore[no-untyped-def]
    async with p.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_step_up_round_trip_by_sms(platform) -> None:
    c = await open_customer(platform, 1)
    other = await open_customer(platform, 2)
    await _tighten(platform, "VELOCITY_PHONE", max_moves=1)
    assert (await judge(platform, c.customer_id, EventKind.TOP_UP, 100)).action == "allow"
    asked = await judge(platform, c.customer_id, EventKind.TOP_UP, 200, call=CALL)
    assert asked.action == "step_up"
    refusal = asked.refusal
    assert refusal is not None and refusal.code == "STEP_UP_REQUIRED"
    sid = refusal.details["step_up_id"]
    assert refusal.details["methods"] == ["face", "sms"]
    h = await bearer(platform, c.customer_id)
    async with api_client(platform) as client:
        view = (await client.get(f"/api/v1/step-up/{sid}", headers=h)).json()
        assert view["status"] == "pending" and view["reason"] == "VELOCITY_PHONE"
        other_h = await bearer(platform, other.customer_id)
        assert (await client.get(f"/api/v1/step-up/{sid}", headers=other_h)).status_code == 404
        with pytest.raises(stepup.StepUpNotVerified):
            await _consume(platform, sid, c.customer_id)
        r = await client.post(f"/api/v1/step-up/{sid}/sms", headers=h)
        assert r.status_code == 202 and r.json()["sms_sent_to"] == "138****0001", r.text
        code = (await client.get(f"/sandbox/sms/{c.phone}")).json()["code"]
        wrong = await client.post(f"/api/v1/step-up/{sid}/sms/confirm", headers=h,
                                  json={"code": f"{(int(code) + 1) % 10**6:06d}"})
        assert wrong.status_code == 422
        assert wrong.json()["error"]["code"] == "STEP_UP_SMS_CODE_INVALID"
        ok = await client.post(f"/api/v1/step-up/{sid}/sms/confirm", headers=h,
                               json={"code": code})
        assert ok.status_code == 200 and ok.json()["status"] == "verified", ok.text
    decisions = await _count(platform, risk_decision)
    with pytest.raises(stepup.StepUpNotFound):
        await _consume(platform, sid, other.customer_id)
    with pytest.raises(stepup.StepUpMismatch):
        await _consume(platform, sid, c.customer_id, Call("top_up", "0" * 64))
    with pytest.raises(stepup.StepUpMismatch):
        await _consume(platform, sid, c.customer_id, Call("withdraw", CALL.request_hash))
    passed = await _consume(platform, sid, c.customer_id)
    assert passed.decision_id is not None
    with pytest.raises(stepup.StepUpUsed):
        await _consume(platform, sid, c.customer_id)
    assert await _count(platform, risk_decision) == decisions  # refusals wrote nothing
    again = await judge(platform, c.customer_id, EventKind.TOP_UP, 200, call=CALL, passed=passed)
    assert again.action == "allow" and again.decision.by("VELOCITY_PHONE") is not None
    async with platform.db.read() as conn:
        alerts = (await conn.execute(select(risk_alert.c.decision_id, risk_alert.c.status)
                                     .order_by(risk_alert.c.id))).all()
    assert alerts == [(passed.decision_id, "cleared")]  # no second alert for the same hit


async def test_an_expired_step_up_is_refused(platform) -> None:
    c = await open_customer(platform)
    async with platform.db.transaction() as conn:
        s = await stepup.create(conn, customer_id=c.customer_id, operation=CALL.operation,
                                request_hash=CALL.request_hash, methods=("sms",), reason="T",
                                now=clock.utcnow() - timedelta(minutes=6))
    h = await bearer(platform, c.customer_id)
    async with api_client(platform) as client:
        r = await client.post(f"/api/v1/step-up/{s.id}/sms", headers=h)
        assert r.status_code == 410 and r.json()["error"]["code"] == "STEP_UP_EXPIRED"
        r = await client.get(f"/api/v1/step-up/{s.id}", headers=h)
        assert r.json()["expired"] is True
    async with platform.db.transaction() as conn:
        await conn.execute(risk_step_up.update().values(status="verified"))
    with pytest.raises(stepup.StepUpExpired):
        await _consume(platform, s.id, c.customer_id)


async def test_a_face_only_step_up_by_face(platform) -> None:
    use_fake_faces(platform)
    c = await open_customer(platform)
    await register_face(platform, c, RED)
    await _tighten(platform, "NEW_CARD_LARGE_DEPOSIT", include_opening_card=1)
    asked = await judge(platform, c.customer_id, EventKind.TOP_UP, 6_000_000, call=CALL)
    assert asked.action == "step_up" and asked.refusal is not None
    sid = asked.refusal.details["step_up_id"]
    assert asked.refusal.details["methods"] == ["face"]
    h = await bearer(platform, c.customer_id)
    async with api_client(platform) as client:
        r = await client.post(f"/api/v1/step-up/{sid}/sms", headers=h)
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "STEP_UP_METHOD_NOT_ALLOWED"
        r = await client.post(f"/api/v1/step-up/{sid}/face", headers=h, files=[
            ("selfie", ("s.jpg", b"not an image", "image/jpeg"))])
        assert r.status_code == 409  # no challenge fetched yet
        wrong = await pass_face(client, h, sid, BLUE)
        assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "FACE_MISMATCH"
        assert wrong.json()["error"]["details"]["attempts_left"] == 2
        assert wrong.json()["error"]["details"]["challenge"]["nonce"]
        right = await pass_face(client, h, sid, RED)
        assert right.status_code == 200 and right.json()["status"] == "verified", right.text
        again = await pass_face(client, h, sid, RED)
        assert again.status_code == 409 and again.json()["error"]["code"] == "STEP_UP_USED"
    passed = await _consume(platform, sid, c.customer_id)
    assert passed.method == "face"


async def test_three_failed_faces_spend_the_step_up(platform) -> None:
    use_fake_faces(platform)
    c = await open_customer(platform)
    await register_face(platform, c, RED)
    async with platform.db.transaction() as conn:
        s = await stepup.create(conn, customer_id=c.customer_id, operation="x",
                                request_hash="y", methods=("face",), reason="T")
    h = await bearer(platform, c.customer_id)
    async with api_client(platform) as client:
        codes = [(await pass_face(client, h, s.id, BLUE)).json()["error"]["code"]
                 for _ in range(3)]
        assert codes == ["FACE_MISMATCH", "FACE_MISMATCH", "STEP_UP_FAILED"]
        r = await pass_face(client, h, s.id, RED)
        assert r.json()["error"]["code"] == "STEP_UP_FAILED"


async def test_the_face_step_up_has_onboardings_defences(platform) -> None:
    """Pictures not signed for the challenge, or seen in an earlier attempt, are refused."""
    use_fake_faces(platform)
    c = await open_customer(platform)
    await register_face(platform, c, RED)
    async with platform.db.transaction() as conn:
        s = await stepup.create(conn, customer_id=c.customer_id, operation="x",
                                request_hash="y", methods=("face",), reason="T")
    h = await bearer(platform, c.customer_id)
    async with api_client(platform) as client:
        ch = (await client.get(f"/api/v1/step-up/{s.id}/challenge", headers=h)).json()
        assert ch["capture_key"] and ch["capture"]["labels"][0] == "selfie"
        unsigned = await client.post(f"/api/v1/step-up/{s.id}/face", headers=h, files=[
            ("selfie", ("s.jpg", photo(RED), "image/jpeg"))] + [
            ("frames", (f"f{i}.jpg", photo(RED), "image/jpeg"))
            for i in range(ch["frames_expected"])], data={"nonce": ch["nonce"]})
        assert unsigned.json()["error"]["code"] == "CAPTURE_SIGNATURE_MISSING"
        fresh = unsigned.json()["error"]["details"]["challenge"]
        pictures = [photo(RED) for _ in range(1 + fresh["frames_expected"])]
        ok = await pass_face(client, h, s.id, pictures=pictures)
        assert ok.status_code == 200, ok.text
    async with platform.db.transaction() as conn:
        again = await stepup.create(conn, customer_id=c.customer_id, operation="x",
                                    request_hash="z", methods=("face",), reason="T")
    async with api_client(platform) as client:
        replayed = await pass_face(client, h, again.id, pictures=pictures)
    assert replayed.json()["error"]["code"] == "LIVENESS_REPLAY"
