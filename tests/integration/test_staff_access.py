"""Staff access end to end: the first admin from the CLI (production settings), a one-time
password changed first, TOTP enrolment for admins, MFA at login, lockout, and staff
management by admins (new roles and disabling end the sessions at once)."""

from __future__ import annotations

import asyncio
import time

from click.testing import CliRunner

from opendeposit.cli import main
from opendeposit.staff.mfa import code_at
from tests.helpers import api_client

LOGIN = "/admin/api/v1/auth/login"


def _cli(platform, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    env = {"DATABASE_URL": platform.settings.effective_database_url,
           "OPENDEPOSIT_ENV": "production", "OPENDEPOSIT_DATA_DIR": str(platform.settings.data_dir)}
    return CliRunner().invoke(main, list(args), env=env, input=stdin)


async def _run_cli(platform, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return await asyncio.to_thread(_cli, platform, *args, stdin=stdin)


def _auth(body: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {"Authorization": f"Bearer {body['token']}"}


async def test_first_admin_from_the_cli_then_password_then_totp(platform) -> None:
    made = await _run_cli(platform, "staff", "create", "--username", "root", "--role", "admin")
    assert made.exit_code == 0, made.output
    last = made.output.strip().splitlines()[-1]
    assert last.startswith("username=root password=")
    one_time = last.split("password=", 1)[1]
    again = await _run_cli(platform, "staff", "create", "--username", "root", "--role", "admin")
    assert again.exit_code != 0 and "STAFF_EXISTS" in str(again.exception)
    async with api_client(platform) as client:
        first = await client.post(LOGIN, json={"username": "root", "password": one_time})
        assert first.status_code == 200, first.text
        assert first.json()["pending"] == "password_change" and first.json()["roles"] == ["admin"]
        h = _auth(first.json())
        blocked = await client.get("/admin/api/v1/staff", headers=h)
        assert (blocked.status_code, blocked.json()["error"]["code"]) == (
            403, "PASSWORD_CHANGE_REQUIRED")
        me = await client.get("/admin/api/v1/auth/me", headers=h)
        assert me.json()["pending"] == "password_change"
        weak = await client.post("/admin/api/v1/auth/password", headers=h,
                                 json={"password": one_time, "new_password": "root"})
        assert weak.json()["error"]["code"] == "PASSWORD_TOO_WEAK"
        changed = await client.post("/admin/api/v1/auth/password", headers=h, json={
            "password": one_time, "new_password": "Harbour-2025-root"})
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert body["pending"] == "mfa_enrolment" and body["mfa_enabled"] is False
        enrol = body["mfa_enrolment"]
        assert enrol["otpauth_uri"].startswith("otpauth://totp/") and "<svg" in enrol["qr_svg"]
        assert (await client.get("/admin/api/v1/staff", headers=h)).status_code == 401  # revoked
        h = _auth(body)
        blocked = await client.get("/admin/api/v1/staff", headers=h)
        assert blocked.json()["error"]["code"] == "MFA_ENROLMENT_REQUIRED"
        wrong = await client.post("/admin/api/v1/auth/mfa/confirm", headers=h,
                                  json={"otp": "000000"})
        assert (wrong.status_code, wrong.json()["error"]["code"]) == (422, "MFA_INVALID")
        now = time.time()
        ok = await client.post("/admin/api/v1/auth/mfa/confirm", headers=h,
                               json={"otp": code_at(enrol["secret"], now)})
        assert ok.status_code == 200 and ok.json()["pending"] is None
        assert ok.json()["mfa_enabled"] is True
        full = _auth(ok.json())
        assert (await client.get("/admin/api/v1/staff", headers=full)).status_code == 200

        password = {"username": "root", "password": "Harbour-2025-root"}
        no_otp = await client.post(LOGIN, json=password)
        assert (no_otp.status_code, no_otp.json()["error"]["code"]) == (401, "MFA_REQUIRED")
        replay = await client.post(LOGIN, json={**password, "otp": code_at(enrol["secret"],
                                                                            now)})
        assert replay.json()["error"]["code"] == "MFA_INVALID"  # a code is good once
        later = await client.post(LOGIN, json={**password, "otp": code_at(enrol["secret"],
                                                                           now + 30)})
        assert later.status_code == 200 and later.json()["pending"] is None


async def test_password_from_stdin_and_lockout_after_five_wrong_codes(platform) -> None:
    made = await _run_cli(platform, "staff", "create", "--username", "ops1", "--role",
                          "operator", "--role", "checker", "--password-stdin",
                          stdin="Initial-pass-9\n")
    assert made.exit_code == 0, made.output
    assert made.output.strip().splitlines()[-1] == "username=ops1 password=(from stdin)"
    short = await _run_cli(platform, "staff", "create", "--username", "ops2", "--role",
                           "operator", "--password-stdin", stdin="short\n")
    assert short.exit_code != 0
    async with api_client(platform) as client:
        r = await client.post(LOGIN, json={"username": "ops1", "password": "Initial-pass-9"})
        assert r.json()["roles"] == ["checker", "operator"]
        h = _auth(r.json())
        r = await client.post("/admin/api/v1/auth/password", headers=h, json={
            "password": "Initial-pass-9", "new_password": "Second-pass-10"})
        assert r.json()["pending"] is None  # operators need no MFA unless they choose it
        h = _auth(r.json())
        enrol = (await client.post("/admin/api/v1/auth/mfa/enrol", headers=h)).json()
        r = await client.post("/admin/api/v1/auth/mfa/confirm", headers=h,
                              json={"otp": code_at(enrol["secret"], time.time())})
        assert r.status_code == 200 and r.json()["mfa_enabled"] is True
        again = await client.post("/admin/api/v1/auth/mfa/enrol", headers=_auth(r.json()))
        assert again.json()["error"]["code"] == "MFA_ALREADY_ENROLLED"
        creds = {"username": "ops1", "password": "Second-pass-10"}
        for _ in range(5):
            bad = await client.post(LOGIN, json={**creds, "otp": "000000"})
            assert bad.json()["error"]["code"] in ("MFA_INVALID", "STAFF_LOCKED")
        locked = await client.post(LOGIN, json={**creds, "otp": code_at(enrol["secret"],
                                                                         time.time())})
        assert (locked.status_code, locked.json()["error"]["code"]) == (423, "STAFF_LOCKED")


async def test_admins_manage_staff_and_changes_end_sessions(platform) -> None:
    from opendeposit.staff.service import create_staff

    admin_id = await create_staff(db=platform.db, username="boss", password="Boss-pass-2025",
                                  roles=["admin"])
    async with api_client(platform) as client:
        r = await client.post(LOGIN, json={"username": "boss", "password": "Boss-pass-2025"})
        r = await client.post("/admin/api/v1/auth/mfa/confirm", headers=_auth(r.json()), json={
            "otp": code_at(r.json()["mfa_enrolment"]["secret"], time.time())})
        admin = _auth(r.json())
        made = await client.post("/admin/api/v1/staff", headers=admin, json={
            "username": "chk-wang", "display_name": "王复核", "roles": ["checker"]})
        assert made.status_code == 201, made.text
        staff_id = made.json()["staff"]["id"]
        assert made.json()["staff"]["password_change_required"] is True
        bad = await client.post("/admin/api/v1/staff", headers=admin, json={
            "username": "x y", "roles": ["superuser"]})
        assert bad.status_code == 422
        dup = await client.post("/admin/api/v1/staff", headers=admin, json={
            "username": "chk-wang", "roles": ["checker"]})
        assert dup.json()["error"]["code"] == "STAFF_EXISTS"
        r = await client.post(LOGIN, json={"username": "chk-wang",
                                           "password": made.json()["one_time_password"]})
        r = await client.post("/admin/api/v1/auth/password", headers=_auth(r.json()), json={
            "password": made.json()["one_time_password"], "new_password": "Wang-checker-1"})
        checker = _auth(r.json())
        assert (await client.get("/admin/api/v1/staff", headers=checker)).status_code == 403
        assert (await client.get("/admin/api/v1/audit", headers=checker)).status_code == 403
        moved = await client.put(f"/admin/api/v1/staff/{staff_id}", headers=admin,
                                 json={"roles": ["auditor"]})
        assert moved.json()["roles"] == ["auditor"]
        assert (await client.get("/admin/api/v1/products", headers=checker)).status_code == 401
        r = await client.post(LOGIN, json={"username": "chk-wang", "password": "Wang-checker-1"})
        auditor = _auth(r.json())
        assert (await client.get("/admin/api/v1/audit", headers=auditor)).status_code == 200
        off = await client.put(f"/admin/api/v1/staff/{staff_id}", headers=admin,
                               json={"disabled": True})
        assert off.json()["disabled"] is True
        assert (await client.get("/admin/api/v1/audit", headers=auditor)).status_code == 401
        r = await client.post(LOGIN, json={"username": "chk-wang", "password": "Wang-checker-1"})
        assert r.json()["error"]["code"] == "STAFF_LOGIN_FAILED"
        last = await client.put(f"/admin/api/v1/staff/{admin_id}", headers=admin,
                                json={"roles": ["auditor"]})
        assert (last.status_code, last.json()["error"]["code"]) == (409, "LAST_ADMIN")
        await client.put(f"/admin/api/v1/staff/{staff_id}", headers=admin,
                         json={"disabled": False})
        reset = await client.post(f"/admin/api/v1/staff/{staff_id}/reset-password",
                                  headers=admin)
        r = await client.post(LOGIN, json={"username": "chk-wang",
                                           "password": reset.json()["one_time_password"]})
        assert r.json()["pending"] == "password_change"
        mfa = await client.post(f"/admin/api/v1/staff/{admin_id}/reset-mfa", headers=admin)
        assert mfa.json()["mfa_enabled"] is False
        assert (await client.get("/admin/api/v1/staff", headers=admin)).status_code == 401
        missing = await client.post("/admin/api/v1/staff/999999/reset-password", headers=_auth(
            (await client.post(LOGIN, json={"username": "boss", "password": "Boss-pass-2025"})
             ).json()))
        assert missing.json()["error"]["code"] == "MFA_ENROLMENT_REQUIRED"
    async with platform.db.read() as conn:
        from sqlalchemy import select

        from opendeposit.audit.models import audit_log

        actions = [r.action for r in (await conn.execute(select(audit_log.c.action).where(
            audit_log.c.subject == f"staff:{staff_id}").order_by(audit_log.c.id))).all()]
    assert actions[:1] == ["staff.create"] and "staff.update" in actions
    assert "staff.reset_password" in actions
