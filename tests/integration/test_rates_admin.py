"""Rate changes by maker–checker: proposed by risk, approved by another person, never
effective before the business date; a lowered ceiling names the products priced above it."""

from __future__ import annotations

from sqlalchemy import func, select

from opendeposit.products.models import rate_change, rate_entry
from tests.helpers import api_client, bearer, seed_catalog

RATE = {"kind": "time_deposit", "term_months": 12, "board_rate": "1.10", "ceiling": "1.15",
        "effective_from": "2025-06-10", "note": "总行利率调整通知"}


async def _rows(platform) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    async with platform.db.read() as conn:
        entries = (await conn.execute(select(func.count()).select_from(rate_entry))).scalar_one()
        changes = (await conn.execute(select(func.count()).select_from(rate_change))).scalar_one()
    return int(entries), int(changes)


async def test_a_rate_change_needs_a_second_approver_and_no_backdating(platform) -> None:
    await seed_catalog(platform)
    risk = await bearer(platform, 61, kind="staff", roles=("risk",))
    risk_admin = await bearer(platform, 62, kind="staff", roles=("risk", "admin"))
    checker = await bearer(platform, 63, kind="staff", roles=("checker",))
    async with api_client(platform) as client:
        before = await _rows(platform)
        past = await client.post("/admin/api/v1/rates", headers=risk,
                                 json={**RATE, "effective_from": "2025-06-01"})
        assert (past.status_code, past.json()["error"]["code"]) == (422, "RATE_BACKDATED")
        above = await client.post("/admin/api/v1/rates", headers=risk,
                                  json={**RATE, "board_rate": "1.20", "ceiling": "1.10"})
        assert above.json()["error"]["code"] == "RATE_TABLE_INVALID"
        checker_may_not = await client.post("/admin/api/v1/rates", headers=checker, json=RATE)
        assert checker_may_not.json()["error"]["code"] == "ROLE_REQUIRED"
        assert await _rows(platform) == before
        r = await client.post("/admin/api/v1/rates", headers=risk_admin, json=RATE)
        assert r.status_code == 201 and r.json()["status"] == "pending"
        change = r.json()["id"]
        twice = await client.post("/admin/api/v1/rates", headers=risk, json=RATE)
        assert twice.json()["error"]["code"] == "RATE_CHANGE_PENDING"
        planned = (await client.get("/admin/api/v1/rates", headers=checker)).json()["items"]
        assert not any(x["effective_from"] == "2025-06-10" for x in planned)
        own = await client.post(f"/admin/api/v1/rates/changes/{change}/approve",
                                headers=risk_admin, json={})
        assert (own.status_code, own.json()["error"]["code"]) == (403,
                                                                  "MAKER_CHECKER_SAME_PERSON")
        ok = await client.post(f"/admin/api/v1/rates/changes/{change}/approve", headers=checker,
                               json={"note": "核对无误"})
        assert ok.status_code == 200, ok.text
        assert ok.json()["status"] == "approved" and ok.json()["decided_by"] == 63
        assert ok.json()["products_above_ceiling"] == ["TD1Y"]  # priced 1.20 > 1.15
        again = await client.post(f"/admin/api/v1/rates/changes/{change}/approve",
                                  headers=checker, json={})
        assert again.json()["error"]["code"] == "RATE_CHANGE_NOT_PENDING"
        table = (await client.get("/admin/api/v1/rates", headers=checker)).json()["items"]
        one_year = [x for x in table if x["kind"] == "time_deposit" and x["term_months"] == 12]
        assert [(x["board_rate"], x["state"]) for x in one_year] == [("1.20", "in_force"),
                                                                      ("1.10", "planned")]
        pending = (await client.get("/admin/api/v1/rates/changes?status=approved",
                                    headers=checker)).json()["items"]
        assert [x["id"] for x in pending] == [change]


async def test_a_pending_change_past_its_date_cannot_be_approved_and_one_can_be_rejected(
        platform) -> None:
    await seed_catalog(platform)
    risk = await bearer(platform, 64, kind="staff", roles=("risk",))
    checker = await bearer(platform, 65, kind="staff", roles=("checker",))
    async with api_client(platform) as client:
        soon = (await client.post("/admin/api/v1/rates", headers=risk, json={
            **RATE, "effective_from": "2025-06-03"})).json()["id"]
        other = (await client.post("/admin/api/v1/rates", headers=risk, json={
            **RATE, "term_months": 24, "board_rate": "1.25", "ceiling": "1.45"})).json()["id"]
        from opendeposit import eod

        await eod.run_eod(platform.db, platform.eod_plan())
        await eod.run_eod(platform.db, platform.eod_plan())  # the business date: 2025-06-04
        late = await client.post(f"/admin/api/v1/rates/changes/{soon}/approve",
                                 headers=checker, json={})
        assert late.json()["error"]["code"] == "RATE_BACKDATED"
        no_reason = await client.post(f"/admin/api/v1/rates/changes/{other}/reject",
                                      headers=checker, json={})
        assert no_reason.status_code == 422
        gone = await client.post(f"/admin/api/v1/rates/changes/{other}/reject",
                                 headers=checker, json={"reason": "期限利率倒挂"})
        assert gone.json()["status"] == "rejected"
        missing = await client.post("/admin/api/v1/rates/changes/999999/approve",
                                    headers=checker, json={})
        assert missing.json()["error"]["code"] == "RATE_CHANGE_NOT_FOUND"
