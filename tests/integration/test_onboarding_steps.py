"""Onboarding through the HTTP API without the models: order of steps, uploads, the identity
and card steps, submission rules, expiry, staff review — every bad input a clear code and
nothing opened."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import update

from opendeposit.auth.models import sms_challenge
from opendeposit.identity.models import onboarding_application
from opendeposit.identity.sandbox.identities import BY_KEY
from opendeposit.platform import Platform
from tests.helpers import api_client, bearer, open_customer
from tests.identity_support import customer, fast_forward, person_fields

SZ = BY_KEY["gd-shenzhen"]
AGREE = [{"id": "account_terms", "version": "2025.1"},
         {"id": "privacy_policy", "version": "2025.1"},
         {"id": "anti_fraud_pledge", "version": "2025.1"}]


def code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


async def started(p: Platform, c: httpx.AsyncClient, phone: str = SZ.phone,
                  **body: Any) -> tuple[int, dict[str, str]]:
    _, auth = await customer(p, phone)
    r = await c.post("/api/v1/onboarding", json={"device_id": "dev-1", **body}, headers=auth)
    assert r.status_code == 201, r.text
    return r.json()["id"], auth


async def no_account(c: httpx.AsyncClient, auth: dict[str, str]) -> bool:
    return (await c.get("/api/v1/account", headers=auth)).status_code == 404


def png(w: int, h: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (w, h), (200, 200, 200)).save(out, "PNG")
    return out.getvalue()


def png_header(w: int, h: int) -> bytes:
    """A tiny file claiming a huge picture (a decompression bomb's header)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


async def test_one_application_resumed_and_private(platform: Platform) -> None:
    async with api_client(platform) as c:
        app_id, auth = await started(platform, c)
        again = await c.post("/api/v1/onboarding", json={"device_id": "dev-1"}, headers=auth)
        assert again.status_code == 200 and again.json()["id"] == app_id
        cur = (await c.get("/api/v1/onboarding/current", headers=auth)).json()
        assert (cur["id"], cur["status"], cur["next_step"]) == (app_id, "application", "id_card")
        _, other = await customer(platform, "13700000001")
        assert code(await c.get(f"/api/v1/onboarding/{app_id}", headers=other)) == \
            "ONBOARDING_NOT_FOUND"
        assert code(await c.get("/api/v1/onboarding/current", headers=other)) == \
            "ONBOARDING_NOT_FOUND"
        opened = await open_customer(platform, 5)
        has = await bearer(platform, opened.customer_id)
        r = await c.post("/api/v1/onboarding", json={"device_id": "d"}, headers=has)
        assert r.status_code == 409 and code(r) == "ACCOUNT_ALREADY_OPEN"


async def test_skipping_or_replaying_a_step_is_refused(platform: Platform) -> None:
    async with api_client(platform) as c:
        app_id, auth = await started(platform, c)
        base = f"/api/v1/onboarding/{app_id}"
        card = {"card_number": SZ.card_number, "phone": SZ.phone}
        assert code(await c.post(f"{base}/card", json=card, headers=auth)) == \
            "ONBOARDING_STEP_SKIPPED"
        assert code(await c.get(f"{base}/face/challenge", headers=auth)) == \
            "ONBOARDING_STEP_SKIPPED"
        await fast_forward(platform, app_id, "face", person_fields(SZ))
        r = await c.post(f"{base}/id-card", files={"front": ("f.png", png(300, 300)),
                                                   "back": ("b.png", png(300, 300))},
                         headers=auth)
        assert r.status_code == 409 and code(r) == "ONBOARDING_STEP_REPLAYED"
        assert r.json()["error"]["details"]["next_step"] == "card"
        r = await c.post(f"{base}/identity", json={
            "name": "张伟", "id_number": SZ.person.id_number, "id_valid_from": "2016-08-01",
            "id_valid_to": "2036-08-01", "address": "广东省深圳市"}, headers=auth)
        assert code(r) == "ONBOARDING_STEP_REPLAYED"
        assert await no_account(c, auth)


async def test_bad_uploads_each_have_a_code(platform: Platform) -> None:
    async with api_client(platform) as c:
        app_id, auth = await started(platform, c)
        url = f"/api/v1/onboarding/{app_id}/id-card"
        good = png(400, 260)
        cases = [
            ({"front": ("f.txt", b"hello, not a photo"), "back": ("b.png", good)}, 415,
             "IMAGE_NOT_SUPPORTED"),
            ({"front": ("f.png", good)}, 422, "IMAGE_REQUIRED"),
            ({"front": ("f.png", png(150, 150)), "back": ("b.png", good)}, 422,
             "IMAGE_TOO_SMALL"),
            ({"front": ("f.jpg", b"\xff\xd8\xff" + b"\0" * (9 * 1024 * 1024)),
              "back": ("b.png", good)}, 413, "IMAGE_TOO_LARGE"),
            ({"front": ("f.jpg", b"\xff\xd8\xff\xe0 truncated jpeg"), "back": ("b.png", good)},
             415, "IMAGE_NOT_SUPPORTED"),
            ({"front": ("f.png", png_header(9000, 9000)), "back": ("b.png", good)}, 422,
             "IMAGE_DIMENSIONS_TOO_LARGE"),
            ({"front": ("f.png", png_header(20000, 20000)), "back": ("b.png", good)}, 422,
             "IMAGE_DIMENSIONS_TOO_LARGE"),
        ]
        for files, status, expected in cases:
            r = await c.post(url, files=files, headers=auth)
            assert (r.status_code, code(r)) == (status, expected), r.text
        r = await c.post(url, files={"front": ("f.jpg", b"\xff\xd8\xff" + b"\0" * 13_000_000)},
                         headers=auth)
        assert r.status_code == 413 and code(r) == "PAYLOAD_TOO_LARGE"
        app = (await c.get(f"/api/v1/onboarding/{app_id}", headers=auth)).json()
        assert app["status"] == "application" and await no_account(c, auth)


async def _at_identity_step(p: Platform, c: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    app_id, auth = await started(p, c)
    ocr = {"front": {"name": SZ.person.name, "id_number": SZ.person.id_number,
                     "name_score": 0.99}, "back": {"authority": SZ.person.authority}}
    await fast_forward(p, app_id, "id_card", {"ocr": ocr})
    r = await c.post("/sandbox/citizens", json={"name": SZ.person.name,
                                                 "id_number": SZ.person.id_number})
    assert r.status_code == 201, r.text
    return f"/api/v1/onboarding/{app_id}", auth


def identity_body(**changes: Any) -> dict[str, Any]:
    return {"name": SZ.person.name, "id_number": SZ.person.id_number,
            "id_valid_from": "2016-08-01", "id_valid_to": "2036-08-01",
            "address": SZ.person.address, **changes}


async def test_identity_step_rules_and_the_citizen_check(platform: Platform) -> None:
    async with api_client(platform) as c:
        base, auth = await _at_identity_step(platform, c)
        bad = SZ.person.id_number[:-1] + ("0" if SZ.person.id_number[-1] != "0" else "1")
        for body, expected in [
            (identity_body(id_number=bad), "ID_NUMBER_CHECKSUM"),
            (identity_body(id_valid_from="2005-01-01", id_valid_to="2025-01-01"),
             "ID_CARD_EXPIRED"),
            (identity_body(id_valid_from="2005-06-10", id_valid_to="2025-06-10"),
             "ID_CARD_EXPIRING_SOON"),
            (identity_body(name="Zhang"), "NAME_INVALID"),
        ]:
            assert code(await c.post(f"{base}/identity", json=body, headers=auth)) == expected
        r = await c.post(f"{base}/identity", json=identity_body(name="张卫"), headers=auth)
        assert r.status_code == 422 and code(r) == "CITIZEN_NAME_MISMATCH"
        ok = await c.post(f"{base}/identity", json=identity_body(id_valid_to="长期"),
                          headers=auth)
        assert ok.status_code == 200, ok.text
        body = ok.json()
        assert body["next_step"] == "face" and body["citizen_id_check"] == "match"
        assert len(body["challenge"]["actions"]) == 3 and body["challenge"]["nonce"]
        again = await c.get(f"{base}/face/challenge", headers=auth)
        assert again.json()["nonce"] == body["challenge"]["nonce"]


async def test_three_registry_failures_close_the_application(platform: Platform) -> None:
    async with api_client(platform) as c:
        base, auth = await _at_identity_step(platform, c)
        unknown = identity_body(id_number="110101199003071233", id_valid_to="长期")
        assert code(await c.post(f"{base}/identity", json=unknown, headers=auth)) == \
            "CITIZEN_NOT_FOUND"
        assert code(await c.post(f"{base}/identity", json=unknown, headers=auth)) == \
            "CITIZEN_NOT_FOUND"
        last = await c.post(f"{base}/identity", json=unknown, headers=auth)
        assert last.status_code == 429 and code(last) == "ONBOARDING_ATTEMPTS_EXCEEDED"
        app = (await c.get(base, headers=auth)).json()
        assert app["status"] == "rejected" and app["next_step"] is None
        assert code(await c.post(f"{base}/identity", json=unknown, headers=auth)) == \
            "ONBOARDING_CLOSED"


async def _at_card_step(p: Platform, c: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    app_id, auth = await started(p, c)
    await fast_forward(p, app_id, "face", person_fields(SZ))
    cards = p.sandbox["cards"]
    await cards.add_card(card_number=SZ.card_number, name=SZ.person.name,
                         id_number=SZ.person.id_number, phone=SZ.phone, bank="中国工商银行",
                         balance=0)
    return f"/api/v1/onboarding/{app_id}", auth


async def test_five_element_failures(platform: Platform) -> None:
    from opendeposit.accounts.domain import luhn_check_digit

    def card(n: int) -> str:
        body = f"6217000{n:011d}"
        return body + luhn_check_digit(body)

    cards = platform.sandbox["cards"]
    await cards.add_card(card_number=card(1), name="李四", id_number="11010519491231002X",
                         phone=SZ.phone, bank="中国银行", balance=0)
    await cards.add_card(card_number=card(2), name=SZ.person.name,
                         id_number=SZ.person.id_number, phone=SZ.phone, bank="中国银行",
                         balance=0, is_class_one=False)
    async with api_client(platform) as c:
        base, auth = await _at_card_step(platform, c)
        for number, phone, expected in [
            (SZ.card_number[:-1] + str((int(SZ.card_number[-1]) + 1) % 10), SZ.phone,
             "INVALID_CARD_NUMBER"),
            (card(3), SZ.phone, "CARD_NOT_FOUND"),
            (card(1), SZ.phone, "CARD_NOT_OWN_NAME"),
            (card(2), SZ.phone, "CARD_NOT_CLASS_ONE"),
            (SZ.card_number, "13512345678", "CARD_PHONE_MISMATCH"),
        ]:
            r = await c.post(f"{base}/card", json={"card_number": number, "phone": phone},
                             headers=auth)
            assert code(r) == expected, r.text
        app = (await c.get(base, headers=auth)).json()
        assert app["status"] == "face" and await no_account(c, auth)


async def test_sms_code_wrong_expired_then_right(platform: Platform) -> None:
    async with api_client(platform) as c:
        base, auth = await _at_card_step(platform, c)
        r = await c.post(f"{base}/card", json={"card_number": SZ.card_number,
                                               "phone": SZ.phone}, headers=auth)
        assert r.status_code == 200, r.text
        assert r.json()["next_step"] == "card_confirm" and r.json()["sms_sent_to"] == \
            "139****9000"
        sms = (await c.get(f"/sandbox/sms/{SZ.phone}")).json()
        assert sms["purpose"] == "bind_card"
        wrong = "000000" if sms["code"] != "000000" else "111111"
        assert code(await c.post(f"{base}/card/confirm", json={"code": wrong},
                                 headers=auth)) == "CARD_SMS_CODE_INVALID"
        async with platform.db.transaction() as conn:
            past = date(2020, 1, 1)
            await conn.execute(update(sms_challenge).values(expires_at=past, created_at=past))
        assert code(await c.post(f"{base}/card/confirm", json={"code": sms["code"]},
                                 headers=auth)) == "CARD_SMS_CODE_INVALID"
        resend = await c.post(f"{base}/card", json={"card_number": SZ.card_number,
                                                    "phone": SZ.phone}, headers=auth)
        assert resend.status_code == 200
        fresh = (await c.get(f"/sandbox/sms/{SZ.phone}")).json()["code"]
        ok = await c.post(f"{base}/card/confirm", json={"code": fresh}, headers=auth)
        assert ok.status_code == 200 and ok.json()["next_step"] == "submit"
        assert code(await c.post(f"{base}/card/confirm", json={"code": fresh},
                                 headers=auth)) == "ONBOARDING_STEP_REPLAYED"


async def test_the_reserved_phone_must_be_the_login_phone(platform: Platform) -> None:
    async with api_client(platform) as c:
        app_id, auth = await started(platform, c, phone="13600000009")
        await fast_forward(platform, app_id, "face", person_fields(SZ))
        await platform.sandbox["cards"].add_card(
            card_number=SZ.card_number, name=SZ.person.name, id_number=SZ.person.id_number,
            phone=SZ.phone, bank="中国工商银行", balance=0)
        r = await c.post(f"/api/v1/onboarding/{app_id}/card", json={
            "card_number": SZ.card_number, "phone": SZ.phone}, headers=auth)
        assert code(r) == "CARD_PHONE_NOT_LOGIN_PHONE"


async def _ready_to_submit(p: Platform, c: httpx.AsyncClient, ident: Any = SZ,
                           state: dict[str, Any] | None = None,
                           **start: Any) -> tuple[str, dict[str, str]]:
    app_id, auth = await started(p, c, ident.phone, **start)
    await p.sandbox["cards"].add_card(card_number=ident.card_number, name=ident.person.name,
                                      id_number=ident.person.id_number, phone=ident.phone,
                                      bank=ident.bank, balance=100_000)
    personal = {**person_fields(ident), "card_number": ident.card_number,
                "card_bank": ident.bank, "reserved_phone": ident.phone}
    await fast_forward(p, app_id, "card_confirmed", personal, state)
    return f"/api/v1/onboarding/{app_id}", auth


async def test_submit_opens_the_account_with_the_bound_card(platform: Platform) -> None:
    async with api_client(platform) as c:
        base, auth = await _ready_to_submit(platform, c)
        r = await c.post(f"{base}/submit", json={"pin": "246810", "agreements": AGREE[:2]},
                         headers=auth)
        assert code(r) == "AGREEMENTS_MISSING"
        assert r.json()["error"]["details"]["missing"] == ["anti_fraud_pledge"]
        r = await c.post(f"{base}/submit", json={"pin": "123456", "agreements": AGREE},
                         headers=auth)
        assert code(r) == "PIN_INVALID_FORMAT"
        r = await c.post(f"{base}/submit", json={"pin": "246810", "agreements": AGREE},
                         headers=auth)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "opened" and r.json()["account_no"].startswith("6230")
        acct = (await c.get("/api/v1/account", headers=auth)).json()
        assert acct["bound_card"]["card_no_masked"] == "****" + SZ.card_number[-4:]
        top = await c.post("/api/v1/account/top-up", json={
            "amount": "10.00", "pin": "246810", "idempotency_key": "k1"}, headers=auth)
        assert top.status_code in (200, 202), top.text  # the PIN set on submit works


async def test_submit_rejections_and_the_residence_proof(platform: Platform) -> None:
    out = BY_KEY["out-of-area"]
    async with api_client(platform) as c:
        base, auth = await _ready_to_submit(platform, c, out)
        r = await c.post(f"{base}/submit", json={"pin": "246810", "agreements": AGREE},
                         headers=auth)
        assert r.json()["status"] == "rejected" and r.json()["reason"] == "OUT_OF_SERVICE_AREA"
        assert await no_account(c, auth)
    async with api_client(platform) as c:
        base, auth = await _second(platform, c, out)
        r = await c.post(f"{base}/submit", json={"pin": "246810", "agreements": AGREE},
                         headers=auth)
        assert code(r) == "RESIDENCE_PROOF_REQUIRED"


async def _second(p: Platform, c: httpx.AsyncClient, ident: Any) -> tuple[str, dict[str, str]]:
    """The same person again, now located in Guangdong (a new application after a rejection)."""
    _, auth = await customer(p, ident.phone)
    r = await c.post("/api/v1/onboarding", json={"device_id": "dev-2", "location": {
        "lat": 23.13, "lon": 113.26}}, headers=auth)
    assert r.status_code == 201, r.text
    personal = {**person_fields(ident), "card_number": ident.card_number,
                "card_bank": ident.bank, "reserved_phone": ident.phone}
    await fast_forward(p, r.json()["id"], "card_confirmed", personal)
    return f"/api/v1/onboarding/{r.json()['id']}", auth


async def test_blacklisted_applicants_are_rejected(platform: Platform) -> None:
    risk = await bearer(platform, 501, kind="staff", roles=("risk",))
    maker = await bearer(platform, 502, kind="staff", roles=("operator",))
    async with api_client(platform) as c:
        entry = {"kind": "id_number", "value": SZ.person.id_number, "reason": "惩戒名单",
                 "source": "police"}
        assert (await c.post("/admin/api/v1/onboarding/blacklist", json=entry,
                             headers=maker)).status_code == 403
        assert (await c.post("/admin/api/v1/onboarding/blacklist", json=entry,
                             headers=risk)).status_code == 201
        base, auth = await _ready_to_submit(platform, c)
        r = await c.post(f"{base}/submit", json={"pin": "246810", "agreements": AGREE},
                         headers=auth)
        assert r.json()["status"] == "rejected" and r.json()["reason"] == "BLACKLISTED"
        assert await no_account(c, auth)


async def test_an_applicant_on_a_risk_watch_list_is_rejected_too(platform: Platform) -> None:
    officer = await bearer(platform, 503, kind="staff", roles=("risk",))
    async with api_client(platform) as c:
        r = await c.post("/admin/api/v1/risk/lists/card", headers=officer,
                         content=f"value,reason\n{SZ.card_number},mule card\n".encode(),
                         params={"mode": "add"})
        assert r.status_code == 200 and r.json()["added"] == 1, r.text
        base, auth = await _ready_to_submit(platform, c)
        r = await c.post(f"{base}/submit", json={"pin": "246810", "agreements": AGREE},
                         headers=auth)
        assert r.json()["status"] == "rejected" and r.json()["reason"] == "BLACKLISTED"
        assert await no_account(c, auth)


async def test_idle_applications_expire(platform: Platform) -> None:
    async with api_client(platform) as c:
        app_id, auth = await started(platform, c)
        idle = datetime.now(UTC) - timedelta(minutes=31)
        async with platform.db.transaction() as conn:
            await conn.execute(update(onboarding_application).values(updated_at=idle))
        r = await c.post(f"/api/v1/onboarding/{app_id}/id-card",
                         files={"front": ("f.png", png(300, 300))}, headers=auth)
        assert r.status_code == 410 and code(r) == "ONBOARDING_EXPIRED"
        assert (await c.get(f"/api/v1/onboarding/{app_id}", headers=auth)).json()["status"] \
            == "expired"
        assert code(await c.get("/api/v1/onboarding/current", headers=auth)) == \
            "ONBOARDING_NOT_FOUND"
        fresh = await c.post("/api/v1/onboarding", json={"device_id": "dev-1"}, headers=auth)
        assert fresh.status_code == 201 and fresh.json()["id"] != app_id


async def test_review_escalate_four_eyes_and_reject(platform: Platform) -> None:
    a = await bearer(platform, 601, kind="staff", roles=("risk",))
    b = await bearer(platform, 602, kind="staff", roles=("checker",))
    maker = await bearer(platform, 603, kind="staff", roles=("operator",))
    async with api_client(platform) as c:
        base, auth = await _ready_to_submit(platform, c, state={"doubts": ["OCR_NAME_DOUBT"]})
        r = await c.post(f"{base}/submit", json={"pin": "246810", "agreements": AGREE},
                         headers=auth)
        assert r.json()["status"] == "review" and r.json()["reason"] == "OCR_NAME_DOUBT"
        assert await no_account(c, auth)
        listing = await c.get("/admin/api/v1/onboarding/reviews", headers=maker)
        assert listing.status_code == 403
        case = (await c.get("/admin/api/v1/onboarding/reviews?status=pending",
                            headers=a)).json()["items"][0]
        url = f"/admin/api/v1/onboarding/reviews/{case['id']}"
        view = (await c.get(url, headers=a)).json()
        assert view["application"]["applicant"]["name"] == SZ.person.name
        assert (await c.post(f"{url}/escalate", json={"note": "生僻字，请复核"},
                             headers=a)).json()["status"] == "escalated"
        assert code(await c.post(f"{url}/approve", json={}, headers=a)) == "FOUR_EYES_REQUIRED"
        final = await c.post(f"{url}/approve", json={"note": "ok"}, headers=b)
        assert final.json()["application_status"] == "opened"
        assert code(await c.post(f"{url}/reject", json={"reason": "late"}, headers=a)) == \
            "REVIEW_CLOSED"
        assert not await no_account(c, auth)
        top = await c.post("/api/v1/account/top-up", json={
            "amount": "10.00", "pin": "246810", "idempotency_key": "k2"}, headers=auth)
        assert top.status_code in (200, 202), top.text  # the PIN given on submit


async def test_review_rejection_opens_nothing(platform: Platform) -> None:
    a = await bearer(platform, 701, kind="staff", roles=("checker",))
    async with api_client(platform) as c:
        base, auth = await _ready_to_submit(platform, c, state={"doubts": ["FACE_GREY_ZONE"]})
        await c.post(f"{base}/submit", json={"pin": "246810", "agreements": AGREE},
                     headers=auth)
        case = (await c.get("/admin/api/v1/onboarding/reviews", headers=a)).json()["items"][0]
        url = f"/admin/api/v1/onboarding/reviews/{case['id']}"
        assert code(await c.post(f"{url}/reject", json={"reason": ""}, headers=a)) == \
            "VALIDATION_FAILED"
        r = await c.post(f"{url}/reject", json={"reason": "人脸不一致"}, headers=a)
        assert r.json()["application_status"] == "rejected"
        assert (await c.get(base, headers=auth)).json()["status"] == "rejected"
        assert await no_account(c, auth)


async def test_an_invalidated_card_is_refused_and_counted(platform: Platform) -> None:
    async with api_client(platform) as c:
        base, auth = await _at_identity_step(platform, c)
        r = await c.post("/sandbox/citizens", json={
            "name": SZ.person.name, "id_number": SZ.person.id_number, "card_invalidated": True})
        assert r.status_code == 201 and r.json()["card_invalidated"] is True
        r = await c.post(f"{base}/identity", json=identity_body(), headers=auth)
        assert r.status_code == 422 and code(r) == "CITIZEN_CARD_INVALIDATED"
        assert "失效" in r.json()["error"]["message_zh"]
        app = (await c.get(base, headers=auth)).json()
        assert app["status"] == "id_card"  # a failed try: the step stays, the count grows


async def test_the_five_element_answer_keeps_no_holder_data(platform: Platform) -> None:
    from sqlalchemy import select

    from opendeposit.identity.evidence import evidence_list
    from opendeposit.identity.models import onboarding_evidence

    async with api_client(platform) as c:
        base, auth = await _at_card_step(platform, c)
        r = await c.post(f"{base}/card", json={"card_number": SZ.card_number,
                                               "phone": "13512345678"}, headers=auth)
        assert code(r) == "CARD_PHONE_MISMATCH"
        assert r.json()["error"]["details"]["elements"] == {
            "card": True, "name": True, "id_number": True, "phone": False, "class_one": True}
    app_id = int(base.rsplit("/", 1)[1])
    async with platform.db.read() as conn:
        rows = await evidence_list(conn, platform.vault, app_id)
        kinds = (await conn.execute(select(onboarding_evidence.c.model).where(
            onboarding_evidence.c.kind == "five_element_check"))).scalars().all()
    check = next(e for e in rows if e["kind"] == "five_element_check")
    answer = check["detail"]["answer"]
    assert set(answer) == {"card", "name", "id_number", "phone", "class_one", "bank",
                           "reference"}
    assert SZ.person.name not in str(check["detail"]) and SZ.phone not in str(check["detail"])
    assert kinds and "five-element" in kinds[0]


async def test_the_demo_can_use_your_own_face_as_the_registry_photo(platform: Platform) -> None:
    photo = png(320, 400)
    async with api_client(platform) as c:
        r = await c.put("/sandbox/identities/gd-shenzhen/photo",
                        files={"photo": ("me.png", photo, "image/png")})
        assert r.status_code == 200 and r.json()["photo_source"] == "own"
        assert (await c.put("/sandbox/identities/nobody/photo",
                            files={"photo": ("me.png", photo, "image/png")})).status_code == 404
    answer = await platform.identity.registry.check(name=SZ.person.name,
                                                    id_number=SZ.person.id_number)
    assert answer.photo == photo  # the registry (联网核查) now returns your own photo
