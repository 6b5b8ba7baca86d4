"""Admin API: staff login and lockout, business date, EOD batches and their history, audit."""

from __future__ import annotations

import pytest

from opendeposit.errors import OpenDepositError
from opendeposit.staff import service as staff_service
from opendeposit.staff.demo import seed_demo_staff
from tests.helpers import api_client, bearer


async def _login(client, username: str, password: str):  # type: ignore[no-untyped-def]
    return await client.post("/admin/api/v1/auth/login",
                             json={"username": username, "password": password})


async def test_staff_login_issues_a_token_with_roles_and_locks_after_five_failures(
        platform) -> None:
    staff = await seed_demo_staff(platform)
    async with api_client(platform) as client:
        ok = await _login(client, "checker", staff["checker"][1])
        assert ok.status_code == 200
        assert ok.json()["roles"] == ["checker"] and ok.json()["staff_id"] == staff["checker"][0]
        unknown = await _login(client, "nobody", "whatever")
        assert unknown.status_code == 401
        assert unknown.json()["error"]["code"] == "STAFF_LOGIN_FAILED"
        for _ in range(5):
            wrong = await _login(client, "maker", "not-the-password")
            assert wrong.status_code == 401
        locked = await _login(client, "maker", staff["maker"][1])
        assert locked.status_code == 423 and locked.json()["error"]["code"] == "STAFF_LOCKED"
        me = {"Authorization": f"Bearer {ok.json()['token']}"}
        day = await client.get("/admin/api/v1/business-date", headers=me)
        assert day.json() == {"business_date": "2025-06-02"}


async def test_staff_are_created_with_known_roles_only(platform) -> None:
    with pytest.raises(OpenDepositError) as info:
        await staff_service.create_staff(db=platform.db, username="x", password="pw-123456",
                                         roles=["superuser"])
    assert info.value.code == "ROLE_UNKNOWN"
    await staff_service.create_staff(db=platform.db, username="x", password="pw-123456",
                                     roles=["risk"])
    with pytest.raises(OpenDepositError) as info:
        await staff_service.create_staff(db=platform.db, username="x", password="pw-2",
                                         roles=["risk"])
    assert info.value.code == "STAFF_EXISTS"


async def test_operators_run_eod_and_everyone_sees_the_history(platform) -> None:
    operator = await bearer(platform, 7, kind="staff", roles=("operator",))
    checker = await bearer(platform, 8, kind="staff", roles=("checker",))
    auditor = await bearer(platform, 9, kind="staff", roles=("auditor",))
    async with api_client(platform) as client:
        refused = await client.post("/admin/api/v1/batches/eod", headers=checker)
        assert refused.status_code == 403
        ran = await client.post("/admin/api/v1/batches/eod", headers=operator)
        assert ran.status_code == 200, ran.text
        body = ran.json()
        assert (body["business_date"], body["next_date"], body["ran"]) == (
            "2025-06-02", "2025-06-03", True)
        assert list(body["report"]) == ["deposit_maturity", "demand_interest_credit",
                                        "demand_accrual", "demand_interest_settlement",
                                        "reconcile_payments", "day_report",
                                        "risk_large_value", "risk_dormancy"]
        await client.post("/admin/api/v1/batches/eod", headers=operator)
        history = (await client.get("/admin/api/v1/batches", headers=checker)).json()["items"]
        assert [(h["business_date"], h["status"]) for h in history] == [
            ("2025-06-03", "done"), ("2025-06-02", "done")]
        assert history[0]["failures"] == 0 and "day_report" in history[0]["report"]
        failures = await client.get("/admin/api/v1/batches/2025-06-03/failures", headers=checker)
        assert failures.json() == {"items": []}
        day = await client.get("/admin/api/v1/business-date", headers=checker)
        assert day.json() == {"business_date": "2025-06-04"}
        audit = await client.get("/admin/api/v1/audit?limit=1", headers=auditor)
        assert audit.status_code == 200
        entry = audit.json()["items"][0]
        assert (entry["actor"], entry["action"]) == ("staff:7", "eod.run")
        older = await client.get(f"/admin/api/v1/audit?before={entry['id']}&actor=staff:7",
                                 headers=auditor)
        assert [x["action"] for x in older.json()["items"]] == ["eod.run"]
        not_auditor = await client.get("/admin/api/v1/audit", headers=operator)
        assert not_auditor.status_code == 403
