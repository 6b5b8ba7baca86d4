"""Staff look-ups: the search box, the masked customer page, revealing one field or one
evidence image with a reason (audited first), and what is refused without writing."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from opendeposit.audit.models import audit_log
from opendeposit.identity.evidence import Context, put_blob, record
from opendeposit.identity.service import start
from tests.helpers import api_client, bearer, open_customer, payment_ports, seed_catalog

NAME, ID_NUMBER = "测试1", "11010519491231002X"  # what tests.helpers.open_customer uses


async def _audit_count(platform) -> int:  # type: ignore[no-untyped-def]
    async with platform.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(audit_log)))
                   .scalar_one())


async def test_search_by_every_key_shows_masked_fields_only(platform) -> None:
    c = await open_customer(platform, 1)
    await open_customer(platform, 2)
    operator = await bearer(platform, 31, kind="staff", roles=("operator",))
    async with api_client(platform) as client:
        async def find(q: str) -> tuple[str, list[int]]:
            r = await client.get("/admin/api/v1/customers", params={"q": q}, headers=operator)
            assert r.status_code == 200, r.text
            return r.json()["query_kind"], [i["customer_id"] for i in r.json()["items"]]

        assert await find(c.phone) == ("phone", [c.customer_id])
        assert await find(c.account.account_no) == ("account_no", [c.customer_id])
        assert await find(c.card_number) == ("card_no", [c.customer_id])
        assert await find(NAME) == ("name", [c.customer_id])
        assert await find(ID_NUMBER.lower()) == ("id_number", [c.customer_id, c.customer_id + 1])
        assert (await find("002x"))[0] == "id_last4"
        assert len((await find("002X"))[1]) == 2  # both test customers share the ID number
        assert await find("13999999999") == ("phone", [])
        hit = (await client.get("/admin/api/v1/customers", params={"q": c.phone},
                                headers=operator)).json()["items"][0]
        assert hit == {**hit, "name_masked": "测*1", "phone_masked": "138****0001",
                       "id_number_masked": "1101**********002X",
                       "account_no": c.account.account_no, "account_status": "normal"}
        bad = await client.get("/admin/api/v1/customers", params={"q": "12"}, headers=operator)
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "SEARCH_QUERY_INVALID"


async def test_the_customer_page_is_masked_and_complete(platform) -> None:
    await seed_catalog(platform)
    c = await open_customer(platform, 1)
    from opendeposit.payments import service as payments
    from tests.helpers import PIN

    await payments.top_up(**payment_ports(platform), customer_id=c.customer_id, amount=120_000,
                          pin=PIN, idempotency_key="page-1")
    auditor = await bearer(platform, 32, kind="staff", roles=("auditor",))
    async with api_client(platform) as client:
        r = await client.get(f"/admin/api/v1/customers/{c.customer_id}", headers=auditor)
        assert r.status_code == 200, r.text
        page = r.json()
        text = json.dumps(page, ensure_ascii=False)
        for secret in (NAME, ID_NUMBER, c.phone, c.card_number):
            assert secret not in text, f"{secret} shown unmasked"
        assert page["customer"]["pin"]["state"] == "set"
        acct = page["account"]
        assert acct["account_no"] == c.account.account_no  # the bank's own number, in full
        assert (acct["balance"], acct["status"]) == ("1200.00", "normal")
        assert acct["bound_card"]["card_no_masked"] == "****" + c.card_number[-4:]
        assert page["holdings"] == [] and page["risk_alerts"] == []
        lines = (await client.get(page["statement_url"], headers=auditor)).json()["items"]
        assert [(x["kind"], x["amount"]) for x in lines] == [("top_up", "1200.00")]
        assert lines[0]["transaction_serial"][8:10] == "H5"  # staff can find the customer's serial
        missing = await client.get("/admin/api/v1/customers/999999", headers=auditor)
        assert missing.json()["error"]["code"] == "CUSTOMER_NOT_FOUND"
        huge = await client.get(f"/admin/api/v1/customers/{2**63}", headers=auditor)
        assert huge.status_code == 422


async def test_reveal_one_field_with_a_reason_audited_first(platform) -> None:
    c = await open_customer(platform, 1)
    checker = await bearer(platform, 33, kind="staff", roles=("checker",))
    auditor = await bearer(platform, 34, kind="staff", roles=("auditor",))
    url = f"/admin/api/v1/customers/{c.customer_id}/reveal"
    async with api_client(platform) as client:
        before = await _audit_count(platform)
        for body, code in (({"field": "id_number"}, "VALIDATION_FAILED"),
                           ({"field": "id_number", "reason": " "}, "VALIDATION_FAILED"),
                           ({"field": "password", "reason": "看看"}, "VALIDATION_FAILED")):
            r = await client.post(url, json=body, headers=checker)
            assert (r.status_code, r.json()["error"]["code"]) == (422, code)
        spaces = await client.post(url, json={"field": "name", "reason": "  x  "},
                                   headers=checker)
        assert spaces.json()["error"]["code"] == "REASON_REQUIRED"
        refused = await client.post(url, json={"field": "phone", "reason": "核实"},
                                    headers=auditor)
        assert refused.json()["error"]["code"] == "ROLE_REQUIRED"
        assert await _audit_count(platform) == before  # nothing written
        got = {}
        for field in ("name", "id_number", "phone", "card_no"):
            r = await client.post(url, json={"field": field, "reason": "客户临柜办理，核对证件"},
                                  headers=checker)
            assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
            got[field] = r.json()["value"]
        assert got == {"name": NAME, "id_number": ID_NUMBER, "phone": c.phone,
                       "card_no": c.card_number}
    async with platform.db.read() as conn:
        rows = (await conn.execute(select(audit_log).where(audit_log.c.action == "pii.reveal")
                                   .order_by(audit_log.c.id))).all()
    assert [(r.actor, r.subject, r.detail, r.reason) for r in rows] == [
        ("staff:33", f"customer:{c.customer_id}", f"revealed {f}", "客户临柜办理，核对证件")
        for f in ("name", "id_number", "phone", "card_no")]
    assert all(ID_NUMBER not in r.detail for r in rows)  # the value never enters the log


async def test_onboarding_evidence_on_the_page_and_its_image_with_a_reason(platform) -> None:
    from opendeposit.accounts.service import customer_by_phone

    first = await customer_by_phone(platform, "13800000001", create=True)
    assert first is not None
    app, _ = await start(platform, customer_id=first, device_id="d-1", ip="10.0.0.1",
                         location=None)
    c = await open_customer(platform, 1)  # the same customer, opened afterwards
    other = await open_customer(platform, 2)
    async with platform.db.transaction() as conn:
        blob = await put_blob(conn, platform.identity.cipher, b"\xff\xd8fake-jpeg", "image/jpeg")
        ev_id = await record(conn, platform.vault, application_id=app.id, step="id_card",
                             kind="id_front", ctx=Context("customer:1"), blob_id=blob,
                             detail={"name": NAME})
    risk = await bearer(platform, 35, kind="staff", roles=("risk",))
    async with api_client(platform) as client:
        page = (await client.get(f"/admin/api/v1/customers/{c.customer_id}",
                                 headers=risk)).json()
        [application] = page["onboarding"]
        assert application["id"] == app.id and application["status"] == "application"
        front = next(e for e in application["evidence"] if e["kind"] == "id_front")
        assert front["image_url"].endswith(f"/evidence/{ev_id}/image")
        assert NAME not in json.dumps(application, ensure_ascii=False)  # no OCR details here
        no_reason = await client.get(front["image_url"], headers=risk)
        assert no_reason.status_code == 422
        img = await client.get(front["image_url"], params={"reason": "核对身份证照片"},
                               headers=risk)
        assert img.status_code == 200 and img.content == b"\xff\xd8fake-jpeg"
        assert img.headers["cache-control"] == "no-store"
        not_theirs = await client.get(
            f"/admin/api/v1/customers/{other.customer_id}/evidence/{ev_id}/image",
            params={"reason": "核对"}, headers=risk)
        assert not_theirs.json()["error"]["code"] == "EVIDENCE_NOT_FOUND"
    async with platform.db.read() as conn:
        views = (await conn.execute(select(audit_log.c.reason).where(
            audit_log.c.action == "evidence.view"))).scalars().all()
    assert views == ["核对身份证照片"]
