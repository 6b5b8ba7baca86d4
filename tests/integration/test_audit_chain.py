"""The audit log is append-only (the database refuses UPDATE and DELETE) and tamper-evident:
edit a row behind the database's back and `opendeposit audit verify` exits 1."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from opendeposit.accounts.service import audit
from opendeposit.audit import service as audit_log
from opendeposit.cli import main
from tests.helpers import api_client, bearer


def _verify_cli(platform) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, ["audit", "verify"], env={
        "DATABASE_URL": platform.settings.effective_database_url})
    return result.exit_code, result.output


async def _write(platform, n: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        async with platform.db.transaction() as conn:
            await audit(conn, actor="staff:3", action="pii.reveal", subject=f"customer:{i % 5}",
                        detail=f"revealed phone #{i}", reason="客户来电核实身份")


async def test_entries_chain_and_the_database_refuses_changes(platform) -> None:
    await _write(platform, 12)
    async with platform.db.read() as conn:
        report = await audit_log.verify(conn)
    assert report.ok and report.entries == 12 and report.chains >= 2
    code, out = await asyncio.to_thread(_verify_cli, platform)
    assert code == 0 and "audit log OK" in out
    for sql in ("UPDATE audit_log SET reason = 'nothing to see' WHERE id = 3",
                "DELETE FROM audit_log WHERE id = 3"):
        with pytest.raises(DBAPIError):
            async with platform.db.transaction() as conn:
                await conn.execute(text(sql))
    async with platform.db.read() as conn:
        assert (await audit_log.verify(conn)).ok


async def _behind_the_back(platform, sql: str) -> None:  # type: ignore[no-untyped-def]
    """What someone with DDL rights could do: switch the guard off, write, switch it on."""
    async with platform.db.transaction() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
            await conn.execute(text(sql))
            await conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
        else:
            await conn.execute(text("DROP TRIGGER audit_log_no_update"))
            await conn.execute(text("DROP TRIGGER audit_log_no_delete"))
            await conn.execute(text(sql))


async def test_an_edited_row_makes_audit_verify_exit_1(platform) -> None:
    await _write(platform, 6)
    await _behind_the_back(platform, "UPDATE audit_log SET reason = '改过' WHERE id = 4")
    code, out = await asyncio.to_thread(_verify_cli, platform)
    assert code == 1 and "audit log TAMPERED" in out
    assert "hash mismatch (entry altered)" in out
    async with platform.db.read() as conn:
        report = await audit_log.verify(conn)
    assert not report.ok and len(report.problems) == 1


async def test_a_removed_row_is_caught_too_even_the_last_one(platform) -> None:
    await _write(platform, 6)
    await _behind_the_back(platform, "DELETE FROM audit_log WHERE id = (SELECT max(id) "
                                     "FROM audit_log)")
    code, out = await asyncio.to_thread(_verify_cli, platform)
    assert code == 1 and "does not match the last entry" in out


async def test_auditors_check_the_chain_from_the_api(platform) -> None:
    await _write(platform, 3)
    auditor = await bearer(platform, 5, kind="staff", roles=("auditor",))
    async with api_client(platform) as client:
        ok = (await client.get("/admin/api/v1/audit/verify", headers=auditor)).json()
        assert ok == {"ok": True, "entries": 3, "chains": ok["chains"], "problems": []}
        page = (await client.get("/admin/api/v1/audit?action=pii.reveal&limit=2",
                                 headers=auditor)).json()
        assert [e["reason"] for e in page["items"]] == ["客户来电核实身份"] * 2
        assert len(page["items"][0]["hash"]) == 64 and page["next_before"] is not None
        await _behind_the_back(platform, "UPDATE audit_log SET actor = 'staff:9' WHERE id = 1")
        bad = (await client.get("/admin/api/v1/audit/verify", headers=auditor)).json()
        assert bad["ok"] is False and bad["problems"]
