"""Risk on SQLite and PostgreSQL: the login check with signed device ids, watch-list imports
(a bad file writes nothing), rules as versioned data, alerts → cases → block, retention."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from opendeposit.risk.models import (
    risk_alert,
    risk_decision,
    risk_list_import,
    risk_rule_version,
    risk_watchlist,
)
from opendeposit.risk.service import forget_rules
from tests.helpers import api_client, bearer, open_customer
from tests.risk_support import sms_code, staff


@pytest.fixture(autouse=True)
def _fresh_rules():  # type: ignore[no-untyped-def]
    forget_rules()
    yield
    forget_rules()


async def _login(client, phone: str, device_id: str = "t"):  # type: ignore[no-untyped-def]
    code = await sms_code(client._transport.app.state.platform, phone)
    return await client.post("/api/v1/auth/login",
                             json={"phone": phone, "code": code, "device_id": device_id})


async def _count(p, table, *where) -> int:  # type: ignore[no-untyped-def]
    async with p.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table).where(*where)))
                   .scalar_one())


async def test_login_gets_a_signed_device_id_and_a_recorded_decision(platform) -> None:
    c = await open_customer(platform)
    async with api_client(platform) as client:
        first = await _login(client, c.phone, device_id="made-up-by-the-client")
        assert first.status_code == 200, first.text
        device = first.json()["device_id"]
        assert device.startswith("d1.") and len(device) <= 64 and device != "made-up-by-the-client"
        second = await _login(client, c.phone, device_id=device)
        assert second.json()["device_id"] == device  # ours: kept
        tampered = device[:-1] + ("A" if device[-1] != "A" else "B")
        third = await _login(client, c.phone, device_id=tampered)
        assert third.json()["device_id"] not in (device, tampered)  # not ours: a new one
    async with platform.db.read() as conn:
        rows = (await conn.execute(select(risk_decision).where(
            risk_decision.c.customer_id == c.customer_id).order_by(risk_decision.c.id))).all()
    assert [r.kind for r in rows] == ["login"] * 3
    assert [r.device_id for r in rows][:2] == [device, device]
    assert [r.action for r in rows] == ["allow"] * 3
    assert '"known": false' in rows[0].facts and '"known": true' in rows[1].facts


async def test_a_watch_listed_phone_cannot_log_in_and_staff_see_why(platform) -> None:
    c = await open_customer(platform)
    officer = await staff(platform)
    async with api_client(platform) as client:
        r = await client.post("/admin/api/v1/risk/lists/phone", headers=officer,
                              content=f"value,reason\n{c.phone},police list\n".encode(),
                              params={"mode": "add"})
        assert r.status_code == 200 and r.json()["added"] == 1, r.text
        r = await _login(client, c.phone)
        assert r.status_code == 403 and r.json()["error"]["code"] == "RISK_BLOCKED"
        alerts = (await client.get("/admin/api/v1/risk/alerts?status=open",
                                   headers=officer)).json()["items"]
        assert [(a["rule"]["code"], a["rule"]["version"], a["action"], a["evidence"])
                for a in alerts] == [("WATCHLIST", 1, "block", {"lists": ["phone"]})]
        detail = (await client.get(f"/admin/api/v1/risk/alerts/{alerts[0]['id']}",
                                   headers=officer)).json()
        assert detail["decision"]["action"] == "block"
        assert detail["decision"]["facts"]["list_hits"] == ["phone"]
        rating = (await client.get(f"/admin/api/v1/risk/customers/{c.customer_id}",
                                   headers=officer)).json()["rating"]
        assert rating["level"] == "high" and "WATCHLIST_HIT" in rating["reasons"]
    async with platform.db.read() as conn:
        tokens = (await conn.execute(text(
            "SELECT count(*) FROM auth_token WHERE subject_id = :c AND subject_kind = 'customer'"
        ), {"c": c.customer_id})).scalar_one()
    assert tokens == 0  # refused before a token was issued


BAD_FILES = [
    (b"value\n13800000001\n1380000000X\n", 3),  # a bad phone on line 3
    (b"phone\n13800000001\n", 1),  # no `value` column
    (b"value\n", 0),  # no values
    (b"value,reason\n13800000001,a,extra\n", 2),  # more cells than the header
    (b"\xff\xfe\x00v", 0),  # not UTF-8
]


@pytest.mark.parametrize(("data", "line"), BAD_FILES)
async def test_a_malformed_list_writes_nothing(platform, data: bytes, line: int) -> None:
    officer = await staff(platform)
    async with api_client(platform) as client:
        r = await client.post("/admin/api/v1/risk/lists/phone", headers=officer, content=data)
    assert r.status_code == 422, r.text
    body = r.json()["error"]
    assert body["code"] == "RISK_LIST_INVALID"
    assert body["details"]["problems"][0]["line"] == line
    assert await _count(platform, risk_watchlist) == 0
    assert await _count(platform, risk_list_import) == 0


async def test_list_validation_per_kind_and_replace_deactivates(platform) -> None:
    officer = await staff(platform)
    async with api_client(platform) as client:
        bad_id = await client.post("/admin/api/v1/risk/lists/id_number", headers=officer,
                                   content=b"value\n110105194912310021\n")  # wrong check char
        assert bad_id.status_code == 422
        good = await client.post("/admin/api/v1/risk/lists/id_number", headers=officer,
                                 files={"file": ("l.csv", b"value\n11010519491231002x\n"
                                                 b"440305198806151315\n", "text/csv")})
        assert good.status_code == 200 and good.json()["added"] == 2, good.text
        card = await client.post("/admin/api/v1/risk/lists/card", headers=officer,
                                 content=b"value\n6222020000000000011\n")  # Luhn fails
        assert card.status_code == 422
        again = await client.post("/admin/api/v1/risk/lists/id_number?mode=replace",
                                  headers=officer, content=b"value\n440305198806151315\n")
        assert again.json() | {"import_id": 0} == {
            "import_id": 0, "list": "id_number", "mode": "replace", "rows": 1, "added": 0,
            "deactivated": 1, "customers_hit": 0}
        summary = (await client.get("/admin/api/v1/risk/lists/id_number",
                                    headers=officer)).json()
    assert summary["active"] == 1 and len(summary["imports"]) == 2
    async with platform.db.read() as conn:
        masks = sorted((await conn.execute(select(risk_watchlist.c.value_masked,
                                                  risk_watchlist.c.active))).all())
    assert masks == [("1101**********002X", False), ("4403**********1315", True)]


async def test_rules_are_versioned_and_decisions_name_the_version(platform) -> None:
    c = await open_customer(platform)
    officer = await staff(platform)
    async with api_client(platform) as client:
        rules = (await client.get("/admin/api/v1/risk/rules", headers=officer)).json()["items"]
        codes = {r["code"] for r in rules}
        assert {"VELOCITY_DEVICE", "VELOCITY_PHONE", "VELOCITY_IP", "RAPID_IN_OUT",
                "BUY_EARLY_WITHDRAW", "NEW_CARD_LARGE_DEPOSIT", "NIGHT_BURST",
                "DORMANT_REACTIVATION", "NEW_DEVICE_AFTER_RESET", "SHARED_DEVICE",
                "SHARED_IP", "WATCHLIST"} <= codes
        rapid = next(r for r in rules if r["code"] == "RAPID_IN_OUT")
        assert rapid["version"] == 1 and rapid["action"] == "hold"
        assert {t["name"]: t["value"] for t in rapid["thresholds"]}["min_inflow"] == "20000.00"
        bad = await client.put("/admin/api/v1/risk/rules/VELOCITY_PHONE", headers=officer,
                               json={"thresholds": {"max_logins": 0, "nope": 1},
                                     "reason": "tuning"})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "RISK_RULE_INVALID"
        assert len(bad.json()["error"]["details"]["problems"]) == 2
        assert await _count(platform, risk_rule_version) == 0
        r = await client.put("/admin/api/v1/risk/rules/VELOCITY_PHONE", headers=officer,
                             json={"thresholds": {"max_logins": 1}, "action": "alert",
                                   "reason": "tighter for the test"})
        assert r.status_code == 200 and r.json()["version"] == 2, r.text
        versions = (await client.get("/admin/api/v1/risk/rules/VELOCITY_PHONE",
                                     headers=officer)).json()["versions"]
        assert [(v["version"], v["action"]) for v in versions] == [(2, "alert"),
                                                                  (1, "step_up")]
        unknown = await client.put("/admin/api/v1/risk/rules/NOPE", headers=officer,
                                   json={"reason": "x1"})
        assert unknown.status_code == 404
        for _ in range(2):
            assert (await _login(client, c.phone)).status_code == 200
        alerts = (await client.get("/admin/api/v1/risk/alerts", headers=officer)).json()
    assert [(a["rule"]["code"], a["rule"]["version"]) for a in alerts["items"]] == [
        ("VELOCITY_PHONE", 2)]
    assert alerts["items"][0]["evidence"]["count"] == 2


async def test_escalate_then_block_suspends_the_account_with_the_reason(platform) -> None:
    c = await open_customer(platform)
    officer = await staff(platform)
    async with api_client(platform) as client:
        await client.put("/admin/api/v1/risk/rules/VELOCITY_PHONE", headers=officer,
                         json={"thresholds": {"max_logins": 1}, "reason": "test"})
        for _ in range(3):
            await _login(client, c.phone)
        first, second = (await client.get("/admin/api/v1/risk/alerts",
                                          headers=officer)).json()["items"]
        operator = await staff(platform, "operator", staff_id=901)
        r = await client.post(f"/admin/api/v1/risk/alerts/{first['id']}/decision",
                              headers=operator, json={"decision": "block", "reason": "no"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "ROLE_REQUIRED"
        customer = await bearer(platform, c.customer_id)
        r = await client.get("/admin/api/v1/risk/alerts", headers=customer)
        assert r.status_code in (401, 403)
        r = await client.post(f"/admin/api/v1/risk/alerts/{second['id']}/decision",
                              headers=officer, json={"decision": "escalate",
                                                     "reason": "looks like a bot"})
        assert r.json()["status"] == "escalated" and r.json()["case_id"]
        r = await client.post(f"/admin/api/v1/risk/alerts/{first['id']}/decision",
                              headers=officer, json={"decision": "block",
                                                     "reason": "confirmed with the police"})
        assert r.status_code == 200, r.text
        assert r.json()["account_status"] == "non_counter_suspended"
        again = await client.post(f"/admin/api/v1/risk/alerts/{first['id']}/decision",
                                  headers=officer, json={"decision": "dismiss", "reason": "oops"})
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "RISK_ALERT_CLOSED"
        case = (await client.get(f"/admin/api/v1/risk/cases/{r.json()['case_id']}",
                                 headers=officer)).json()
        account = (await client.get("/api/v1/account", headers=customer)).json()
    assert case["status"] == "blocked" and len(case["alerts"]) == 2
    assert account["status"] == "non_counter_suspended"
    async with platform.db.read() as conn:
        reason = (await conn.execute(text("SELECT status_reason FROM account WHERE id = :a"),
                                     {"a": c.account.id})).scalar_one()
        statuses = dict((await conn.execute(select(risk_alert.c.id, risk_alert.c.status))).all())
    assert reason.startswith("RISK_BLOCK alert") and "VELOCITY_PHONE" in reason
    assert "confirmed with the police" in reason
    assert statuses == {first["id"]: "blocked", second["id"]: "escalated"}


async def test_risk_records_are_never_deleted(platform) -> None:
    c = await open_customer(platform)
    async with api_client(platform) as client:
        await _login(client, c.phone)
    for sql in ("DELETE FROM risk_decision", "UPDATE risk_decision SET action = 'block'",
                "DELETE FROM risk_profile"):
        with pytest.raises(Exception, match=r"kept|retention"):
            async with platform.db.transaction() as conn:
                await conn.execute(text(sql))
    assert await _count(platform, risk_decision) == 1
