"""Receipts in the admin API: search, view and download for staff; re-issue with a reason (a new
signed receipt for the same booking, the old one genuine with `superseded_by`); bad input
writes nothing; the receipt record holds masked names only."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import func, select

from opendeposit.accounts.models import audit_log
from opendeposit.esb.outbox import outbox
from opendeposit.esign.models import receipt
from opendeposit.payments import service as payments
from tests.helpers import PIN, api_client, bearer, open_customer, payment_ports
from tests.integration.esb_support import receipts, rewire, shared_pki  # noqa: F401

ADMIN = "/admin/api/v1/receipts"


@pytest.fixture
async def rp(platform, shared_pki):  # type: ignore[no-untyped-def]  # noqa: F811
    p = rewire(platform, shared_pki)
    yield p
    await p.bus.close()
    p.esign.close()


async def _booked(p, n: int = 3):  # type: ignore[no-untyped-def]
    c = await open_customer(p)
    for i in range(n):
        await payments.top_up(**payment_ports(p), customer_id=c.customer_id, amount=1_000 + i,
                              pin=PIN, idempotency_key=f"t{i}")
    await payments.withdraw(**payment_ports(p), customer_id=c.customer_id, amount=500, pin=PIN,
                            idempotency_key="w")
    await p.bus.relay.drain()
    return c


async def _counts(p) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    async with p.db.read() as conn:
        return tuple([int((await conn.execute(select(func.count()).select_from(t))).scalar() or 0)
                      for t in (receipt, outbox, audit_log)])  # type: ignore[return-value]


async def test_staff_search_view_and_download(rp) -> None:
    c = await _booked(rp)
    auditor = await bearer(rp, 9, kind="staff", roles=("auditor",))
    rows = await receipts(rp)
    async with api_client(rp) as client:
        everything = (await client.get(ADMIN, headers=auditor)).json()
        assert [i["receipt_no"] for i in everything["items"]] == [r.receipt_no for r in
                                                                   reversed(rows)]
        by_kind = (await client.get(ADMIN, params={"kind": "withdrawal"}, headers=auditor)).json()
        assert [i["kind"] for i in by_kind["items"]] == ["withdrawal"]
        one = rows[1]
        for q in (one.receipt_no, one.reference, one.transaction_serial):
            found = (await client.get(ADMIN, params={"q": q}, headers=auditor)).json()["items"]
            assert [i["receipt_no"] for i in found] == [one.receipt_no], q
        prefix = (await client.get(ADMIN, params={"q": one.receipt_no[:10]},
                                   headers=auditor)).json()["items"]
        assert len(prefix) == 4
        mine = await client.get(ADMIN, params={"customer_id": c.customer_id, "limit": 3,
                                               "from": "2025-06-02", "to": "2025-06-02"},
                                headers=auditor)
        page = mine.json()
        assert len(page["items"]) == 3 and page["next_cursor"]
        rest = (await client.get(ADMIN, params={"customer_id": c.customer_id,
                                                "cursor": page["next_cursor"]},
                                 headers=auditor)).json()
        assert [i["receipt_no"] for i in rest["items"]] == [rows[0].receipt_no]
        later = (await client.get(ADMIN, params={"from": "2025-06-03"}, headers=auditor)).json()
        assert later["items"] == []
        detail = (await client.get(f"{ADMIN}/{one.receipt_no}", headers=auditor)).json()
        assert detail["fields"]["amount"] == one.amount and detail["status"] == "issued"
        pdf = await client.get(detail["pdf_url"], headers=auditor)
        assert pdf.headers["content-type"] == "application/pdf"
        assert hashlib.sha256(pdf.content).hexdigest() == one.sha256


@pytest.mark.parametrize(("params", "code"), [
    ({"kind": "loan"}, "INVALID_RECEIPT_KIND"), ({"cursor": "abc"}, "INVALID_CURSOR"),
    ({"from": "2025-06-03", "to": "2025-06-02"}, "INVALID_DATE_RANGE")])
async def test_search_bad_input(rp, params: dict, code: str) -> None:
    operator = await bearer(rp, 7, kind="staff", roles=("operator",))
    async with api_client(rp) as client:
        answer = await client.get(ADMIN, params=params, headers=operator)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == code


async def test_roles(rp) -> None:
    await _booked(rp, 1)
    no = (await receipts(rp))[0].receipt_no
    customer = await bearer(rp, 1)
    risk = await bearer(rp, 5, kind="staff", roles=("risk",))
    operator = await bearer(rp, 7, kind="staff", roles=("operator",))
    async with api_client(rp) as client:
        assert (await client.get(ADMIN, headers=customer)).status_code == 403
        assert (await client.get(ADMIN)).status_code == 401
        assert (await client.get(ADMIN, headers=risk)).status_code == 403
        assert (await client.get(ADMIN, headers=operator)).status_code == 200
        refused = await client.post(f"{ADMIN}/{no}/reissue", headers=operator,
                                    json={"reason": "客户遗失"})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "ROLE_REQUIRED"


async def test_reissue_makes_a_new_signed_receipt_and_supersedes_the_old(rp) -> None:
    c = await _booked(rp, 1)
    old = (await receipts(rp))[0]
    checker = await bearer(rp, 8, kind="staff", roles=("checker",))
    me = await bearer(rp, c.customer_id)
    async with api_client(rp) as client:
        old_pdf = (await client.get(f"/api/v1/receipts/{old.receipt_no}/pdf", headers=me)).content
        answer = await client.post(f"{ADMIN}/{old.receipt_no}/reissue", headers=checker,
                                   json={"reason": "客户遗失回单，申请重新出具"})
        assert answer.status_code == 202, answer.text
        new_no = answer.json()["receipt_no"]
        assert answer.json() == {"receipt_no": new_no, "supersedes": old.receipt_no,
                                 "status": "signing"}
        await rp.bus.relay.drain()
        new = (await client.get(f"{ADMIN}/{new_no}", headers=checker)).json()
        assert new["status"] == "issued" and new["supersedes"] == old.receipt_no
        assert new["reference"] == old.reference and new["reissued_by"] == "staff:8"
        old_fields, new_fields = json.loads(old.fields), new["fields"]
        assert new_fields["amount"] == old_fields["amount"] == old.amount
        assert new_fields["verification_code"] != old_fields["verification_code"]
        assert new_no == f"HD{old.business_date:%Y%m%d}00000003"  # next of its business date
        report = (await client.post("/api/v1/verify/receipt",
                                    files={"file": ("r.pdf", old_pdf, "application/pdf")})).json()
        assert report["genuine"] is True and report["superseded_by"] == new_no
        looked_up = (await client.get(f"/api/v1/verify/receipt/{old.receipt_no}",
                                      params={"code": old.verification_code})).json()
        assert looked_up["genuine"] is True and looked_up["superseded_by"] == new_no
        new_pdf = (await client.get(f"/api/v1/receipts/{new_no}/pdf", headers=me)).content
        fresh = (await client.post("/api/v1/verify/receipt",
                                   files={"file": ("r.pdf", new_pdf, "application/pdf")})).json()
        assert fresh["genuine"] is True and fresh["superseded_by"] is None
        lines = (await client.get("/api/v1/account/transactions", headers=me)).json()["items"]
        assert [ln["receipt_no"] for ln in lines if ln["kind"] == "top_up"] == [new_no]
        again = await client.post(f"{ADMIN}/{old.receipt_no}/reissue", headers=checker,
                                  json={"reason": "再次"})
        assert again.status_code == 409 and again.json()["error"]["code"] == "RECEIPT_SUPERSEDED"
    async with rp.db.read() as conn:
        entry = (await conn.execute(select(audit_log).where(
            audit_log.c.action == "receipt.reissue"))).one()
    assert entry.actor == "staff:8" and entry.subject == f"receipt:{old.receipt_no}"
    assert "客户遗失回单，申请重新出具" in entry.detail and new_no in entry.detail


@pytest.mark.parametrize(("target", "body", "status", "code"), [
    ("known", {"reason": ""}, 422, "REISSUE_REASON_REQUIRED"),
    ("known", {"reason": "   "}, 422, "REISSUE_REASON_REQUIRED"),
    ("known", {}, 422, None),
    ("unknown", {"reason": "客户遗失"}, 404, "RECEIPT_NOT_FOUND"),
])
async def test_bad_reissue_writes_nothing(rp, target, body, status, code) -> None:
    await _booked(rp, 1)
    no = (await receipts(rp))[0].receipt_no if target == "known" else "HD2025060299999999"
    checker = await bearer(rp, 8, kind="staff", roles=("checker",))
    before = await _counts(rp)
    async with api_client(rp) as client:
        answer = await client.post(f"{ADMIN}/{no}/reissue", headers=checker, json=body)
    assert answer.status_code == status, answer.text
    if code:
        assert answer.json()["error"]["code"] == code
    assert await _counts(rp) == before


async def test_a_second_reissue_while_the_first_is_signing_is_refused(rp) -> None:
    await _booked(rp, 1)
    no = (await receipts(rp))[0].receipt_no
    checker = await bearer(rp, 8, kind="staff", roles=("checker",))
    async with api_client(rp) as client:
        first = await client.post(f"{ADMIN}/{no}/reissue", headers=checker,
                                  json={"reason": "客户遗失"})
        assert first.status_code == 202
        before = await _counts(rp)
        second = await client.post(f"{ADMIN}/{no}/reissue", headers=checker,
                                   json={"reason": "客户遗失"})
        assert second.status_code == 409
        assert second.json()["error"]["code"] == "REISSUE_IN_PROGRESS"
        assert await _counts(rp) == before
        signing = await client.get(f"{ADMIN}/{first.json()['receipt_no']}/pdf", headers=checker)
        assert signing.status_code == 404


async def test_receipt_records_hold_masked_names_only(rp) -> None:
    await _booked(rp, 1)  # the payments producer sends the holder's full name, 测试1
    for row in await receipts(rp):
        fields = json.loads(row.fields)
        assert fields["payer_name"] == fields["payee_name"] == "测*1"
        assert "测试1" not in row.fields
