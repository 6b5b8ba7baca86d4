"""The ledger's invariants hold in the database itself, and tampering is detected."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from opendeposit.cli import main
from opendeposit.ledger import service as ledger
from opendeposit.ledger.domain import BANK_SETTLEMENT, JournalEntry
from opendeposit.payments import service as payments
from tests.helpers import PIN, open_customer, payment_ports


async def test_an_unbalanced_entry_is_refused_by_the_database(platform) -> None:
    async with platform.db.read() as conn:
        before = await ledger.verify(conn)
    with pytest.raises((IntegrityError, DBAPIError)):
        async with platform.db.transaction() as conn:
            await conn.execute(text(
                "INSERT INTO posting (chain, seq, line, account_code, amount, balance_after) "
                "VALUES (0, 1, 0, '1001', 500, 500), (0, 1, 1, '2231', -400, 400)"))
            await conn.execute(text(
                "INSERT INTO journal_entry (chain, seq, kind, business_date, description, "
                "reference, prev_hash, hash, created_at) VALUES (0, 1, 'x', '2025-01-01', 'x', "
                "'', :h, 'abc', '2025-01-01 00:00:00')"), {"h": "0" * 64})
    async with platform.db.read() as conn:
        after = await ledger.verify(conn)
    assert after.entries == before.entries and after.ok


async def test_a_posting_without_its_entry_fails_at_commit(platform) -> None:
    with pytest.raises((IntegrityError, DBAPIError)):
        async with platform.db.transaction() as conn:
            await conn.execute(text(
                "INSERT INTO posting (chain, seq, line, account_code, amount, balance_after) "
                "VALUES (3, 99, 0, '1001', 500, 500), (3, 99, 1, '2231', -500, 500)"))


async def test_postings_are_append_only(platform) -> None:
    c = await open_customer(platform)
    await payments.top_up(**payment_ports(platform), customer_id=c.customer_id, amount=100, pin=PIN,
                          idempotency_key="t")
    with pytest.raises((IntegrityError, DBAPIError)):
        async with platform.db.transaction() as conn:
            await conn.execute(text("UPDATE posting SET amount = amount * 2"))
    with pytest.raises((IntegrityError, DBAPIError)):
        async with platform.db.transaction() as conn:
            await conn.execute(text("DELETE FROM journal_entry"))


async def test_domain_refuses_unbalanced_entries_before_the_database_sees_them() -> None:
    from opendeposit.errors import LedgerInvariantBroken
    from opendeposit.ledger.domain import Posting

    with pytest.raises(LedgerInvariantBroken):
        JournalEntry("x", date(2025, 1, 1), "x", (Posting("1001", 5), Posting("2231", -4)))


async def _drop_guards(platform, conn) -> None:  # type: ignore[no-untyped-def]
    """What an attacker with database access would do first: switch the triggers off."""
    if platform.db.is_sqlite:
        for t in ("journal_entry_no_update", "posting_no_update"):
            await conn.execute(text(f"DROP TRIGGER {t}"))
    else:  # only for this transaction: the shared test database keeps its triggers
        await conn.execute(text("SET LOCAL session_replication_role = replica"))


async def test_verify_detects_an_altered_entry_and_a_doctored_balance(platform) -> None:
    c = await open_customer(platform)
    for i in range(3):
        await payments.top_up(**payment_ports(platform),
                              customer_id=c.customer_id, amount=1_000, pin=PIN,
                              idempotency_key=f"t{i}")
    async with platform.db.transaction() as conn:
        await _drop_guards(platform, conn)
        await conn.execute(text(
            "UPDATE journal_entry SET description = 'rewritten' WHERE seq = 2"))
        await conn.execute(text(
            "UPDATE ledger_balance SET balance = balance + 1 WHERE account_code = :c"),
            {"c": c.account.ledger_code})
    async with platform.db.read() as conn:
        report = await ledger.verify(conn)
    assert not report.ok
    text_ = "\n".join(report.problems or [])
    assert "hash mismatch" in text_ and "stored 3001 != derived 3000" in text_


async def test_verify_detects_a_changed_posting_amount(platform) -> None:
    c = await open_customer(platform)
    await payments.top_up(**payment_ports(platform),
                          customer_id=c.customer_id, amount=1_000, pin=PIN,
                          idempotency_key="t")
    async with platform.db.transaction() as conn:
        await _drop_guards(platform, conn)
        await conn.execute(text("UPDATE posting SET amount = -amount"))
    async with platform.db.read() as conn:
        report = await ledger.verify(conn)
    assert any("hash mismatch" in p for p in report.problems or [])


async def test_a_settlement_account_entry_posts_in_its_chain(platform) -> None:
    c = await open_customer(platform)
    async with platform.db.transaction() as conn:
        posted = await ledger.post(conn, JournalEntry.transfer(
            kind="test", business_date=date(2025, 6, 2), description="t",
            debit=BANK_SETTLEMENT, credit=c.account.ledger_code, amount=5),
            chain=c.account.chain)
    assert posted.balances_after[c.account.ledger_code] == 5
    assert posted.seq == 1


def test_cli_ledger_verify_exit_codes(tmp_path, monkeypatch) -> None:
    import asyncio

    from opendeposit.bootstrap import build_platform
    from opendeposit.config import load_settings
    from opendeposit.demo import seed
    from opendeposit.migrations import migrate

    monkeypatch.setenv("OPENDEPOSIT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = load_settings()

    async def prepare() -> None:
        p = build_platform(settings)
        await migrate(p.db, chains=16)
        await seed(p)
        await p.db.dispose()

    from tests.conftest import run_sync

    run_sync(prepare())
    result = CliRunner().invoke(main, ["ledger", "verify"])
    assert result.exit_code == 0 and "ledger OK" in result.output

    async def tamper() -> None:
        p = build_platform(settings)
        async with p.db.transaction() as conn:
            await conn.execute(text("UPDATE ledger_balance SET balance = balance + 100 "
                                    "WHERE account_code LIKE '2011-%'"))
        await p.db.dispose()

    run_sync(tamper())
    result = CliRunner().invoke(main, ["ledger", "verify"])
    assert result.exit_code == 1 and "ledger BROKEN" in result.output
    del asyncio


async def test_a_posting_to_an_account_without_a_balance_row_in_the_chain_writes_nothing(
        platform) -> None:
    """Each account's balance row lives in one shard: a post in another chain is refused whole
    (the balances are moved by one statement on PostgreSQL, which names the missing row)."""
    from opendeposit import clock
    from opendeposit.db.apply import apply
    from opendeposit.writeplan import Plan, Post

    c = await open_customer(platform)
    other = (c.account.chain + 1) % 16
    entry = JournalEntry.transfer(kind="test", business_date=date(2025, 6, 2), description="t",
                                  debit=BANK_SETTLEMENT, credit=c.account.ledger_code, amount=5)
    async with platform.db.read() as conn:
        before = await ledger.verify(conn)
    with pytest.raises(Exception, match=f"no balance row for {c.account.ledger_code}"):
        await apply(platform.db, Plan((Post(other, (entry,)),), clock.utcnow()))
    async with platform.db.read() as conn:
        after = await ledger.verify(conn)
    assert after.ok and after.entries == before.entries
