"""Migrations: the schema they build is exactly the models' (SQLite and PostgreSQL), and 0050
links the audit rows written before it into hash chains that verify."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from opendeposit.audit import service as audit_log
from opendeposit.db import Database
from opendeposit.migrations import alembic_config, migrate
from opendeposit.models import metadata
from tests.conftest import PG_ADMIN, pg_skip_reason


async def _diffs(url: str) -> list[object]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return await conn.run_sync(lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"compare_type": True}), metadata))
    finally:
        await db.dispose()


def _length_only(diff: object) -> bool:
    """A VARCHAR length change, which SQLite neither stores nor enforces (0070 skips it)."""
    from sqlalchemy import String

    found = diff[0] if isinstance(diff, list) and diff else diff
    return isinstance(found, tuple) and found[0] == "modify_type" \
        and isinstance(found[5], String) and isinstance(found[6], String)


async def test_the_migrated_sqlite_schema_is_the_models(sqlite_template: Path) -> None:
    diffs = await _diffs(f"sqlite+aiosqlite:///{sqlite_template}")
    assert [d for d in diffs if not _length_only(d)] == []


@pytest.mark.postgres
async def test_the_migrated_postgresql_schema_is_the_models(pg_url: str) -> None:
    assert await _diffs(pg_url) == []


async def _old_rows_then_upgrade(url: str) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0020_identity")
    db = Database(url)
    try:
        async with db.transaction() as conn:
            for i in range(7):
                await conn.execute(text(
                    "INSERT INTO audit_log (at, actor, action, subject, detail) "
                    "VALUES (:at, 'system', 'staff.create', :subject, :detail)"),
                    {"at": datetime(2025, 6, 1, 8, i, tzinfo=UTC), "subject": f"staff:{i}",
                     "detail": f"user{i} roles operator"})
        await migrate(db, chains=4)
        async with db.read() as conn:
            report = await audit_log.verify(conn)
        assert report.ok, report.problems
        assert report.entries == 7
        async with db.transaction() as conn:  # new entries link on to the old ones
            await audit_log.record(conn, actor="staff:1", action="pii.reveal",
                                   subject="staff:3", detail="x", reason="test")
        async with db.read() as conn:
            report = await audit_log.verify(conn)
        assert report.ok and report.entries == 8
    finally:
        await db.dispose()


async def test_0050_chains_the_audit_rows_written_before_it_sqlite(tmp_path: Path) -> None:
    await _old_rows_then_upgrade(f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}")


@pytest.mark.postgres
async def test_0050_chains_the_audit_rows_written_before_it_postgresql() -> None:
    reason = pg_skip_reason()
    if reason:
        pytest.skip(reason)
    name = f"od_mig_{uuid.uuid4().hex[:10]}"
    admin = Database(PG_ADMIN)
    try:
        async with admin.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await _old_rows_then_upgrade(PG_ADMIN.rsplit("/", 1)[0] + "/" + name)
    finally:
        async with admin.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
