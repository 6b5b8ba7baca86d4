"""Shared fixtures: a migrated platform on SQLite and on PostgreSQL, and an API client.

PostgreSQL tests run against a throw-away database created next to `test` on
127.0.0.1:5432; where no server answers they are skipped with the reason shown (-ra).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from opendeposit.bootstrap import build_platform
from opendeposit.config import load_settings
from opendeposit.db import Database, metadata
from opendeposit.migrations import migrate
from opendeposit.platform import Platform

PG_ADMIN = os.environ.get("OPENDEPOSIT_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
START = date(2025, 6, 2)
# In CI (CI=true, or OPENDEPOSIT_REQUIRE_PG=1 as .ci/run sets) a PostgreSQL or RabbitMQ test that
# skips is a failure, and so is a run that selected such tests and passed none of them.
REQUIRE_SERVICES = (os.environ.get("OPENDEPOSIT_REQUIRE_PG") == "1"
                    or os.environ.get("CI", "").lower() in ("1", "true", "yes"))
_SERVICE_MARKS = ("postgres", "rabbitmq")
_service_runs: dict[str, dict[str, int]] = {m: {"passed": 0, "skipped": 0} for m in _SERVICE_MARKS}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for mark in _SERVICE_MARKS:
        if mark not in report.keywords:
            continue
        if report.skipped:
            _service_runs[mark]["skipped"] += 1
        elif report.when == "call" and report.passed:
            _service_runs[mark]["passed"] += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not REQUIRE_SERVICES:
        return
    problems = [f"{mark}: {runs['skipped']} skipped, {runs['passed']} passed"
                for mark, runs in _service_runs.items()
                if runs["skipped"] or (runs["passed"] == 0 and _selected(session, mark))]
    if problems:
        print("\nCI requires the PostgreSQL and RabbitMQ tests to run: " + "; ".join(problems))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _selected(session: pytest.Session, mark: str) -> bool:
    return any(item.get_closest_marker(mark) for item in session.items)


def run_sync(coro) -> object:  # type: ignore[no-untyped-def]
    """Run a coroutine to completion from sync code, even when an event loop is running."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _pg_available() -> str | None:
    async def probe() -> None:
        db = Database(PG_ADMIN)
        try:
            async with db.read() as conn:
                await conn.execute(text("SELECT 1"))
        finally:
            await db.dispose()

    try:
        run_sync(asyncio.wait_for(probe(), 5))
        return None
    except Exception as exc:  # pragma: no cover - depends on the machine
        return f"PostgreSQL not reachable at {PG_ADMIN}: {exc.__class__.__name__}: {exc}"


_PG_REASON: str | None = None
_PG_CHECKED = False


def pg_skip_reason() -> str | None:
    global _PG_REASON, _PG_CHECKED
    if not _PG_CHECKED:
        _PG_REASON, _PG_CHECKED = _pg_available(), True
    return _PG_REASON


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; each test copies the file (migrations are tested by doing this)."""
    path = tmp_path_factory.mktemp("tpl") / "template.sqlite3"

    async def run() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        await migrate(db, chains=16, start_date=START)
        await db.dispose()

    run_sync(run())
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    reason = pg_skip_reason()
    if reason:
        pytest.skip(reason)
    name = f"od_test_{uuid.uuid4().hex[:10]}"
    admin = PG_ADMIN

    async def run(sql: str) -> None:
        db = Database(admin)
        async with db.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(sql))
        await db.dispose()

    run_sync(run(f'CREATE DATABASE "{name}"'))
    url = admin.rsplit("/", 1)[0] + "/" + name

    async def mig() -> None:
        db = Database(url)
        await migrate(db, chains=16, start_date=START)
        await db.dispose()

    run_sync(mig())
    yield url
    run_sync(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _reset_pg(url: str) -> None:
    db = Database(url)
    tables = ", ".join(t.name for t in metadata.sorted_tables)
    async with db.transaction() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        # standalone sequences are not owned by a column, so RESTART IDENTITY leaves them
        await conn.execute(text("ALTER SEQUENCE IF EXISTS transaction_serial_seq RESTART"))
    await migrate(db, chains=16, start_date=START)
    await db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def platform(request: pytest.FixtureRequest, tmp_path: Path,
                   sqlite_template: Path) -> AsyncIterator[Platform]:
    """A migrated, empty platform in the sandbox: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        target = tmp_path / "od.sqlite3"
        shutil.copy(sqlite_template, target)
        url = f"sqlite+aiosqlite:///{target}"
    else:
        url = request.getfixturevalue("pg_url")
        await _reset_pg(url)
    settings = load_settings(data_dir=tmp_path / "data", database_url=url, env="sandbox")
    p = build_platform(settings)
    try:
        yield p
    finally:
        await p.db.dispose()


@pytest.fixture
async def sqlite_platform(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Platform]:
    target = tmp_path / "od.sqlite3"
    shutil.copy(sqlite_template, target)
    settings = load_settings(data_dir=tmp_path / "data",
                             database_url=f"sqlite+aiosqlite:///{target}", env="sandbox")
    p = build_platform(settings)
    try:
        yield p
    finally:
        await p.db.dispose()


@pytest.fixture
async def pg_platform(tmp_path: Path, pg_url: str) -> AsyncIterator[Platform]:
    """PostgreSQL only: for concurrency tests that SQLite's single writer would make moot."""
    await _reset_pg(pg_url)
    settings = load_settings(data_dir=tmp_path / "data", database_url=pg_url, env="sandbox",
                             db_pool_size=20)
    p = build_platform(settings)
    try:
        yield p
    finally:
        await p.db.dispose()


@pytest.fixture(autouse=True)
def _risk_rules_not_cached() -> Iterator[None]:
    """Rules in force are cached per database URL for a few seconds; the PostgreSQL tests of a
    session share one URL, so a rule a test changed must not reach the next test."""
    from opendeposit.risk.service import forget_rules

    forget_rules()
    yield
    forget_rules()


@pytest.fixture(autouse=True)
def _risk_daytime(monkeypatch: pytest.MonkeyPatch) -> None:
    """Money calls are judged at Beijing daytime: the night-burst rule must not depend on the
    hour the suite runs. The wall clock of the money path's risk check moves forward to 09:00
    Beijing when it is night there (never backwards, so step-ups stay valid); tests of the
    night rule give the event time themselves."""
    from datetime import UTC, datetime, timedelta

    from opendeposit.clock import BEIJING
    from opendeposit.risk import gate

    local = datetime.now(BEIJING)
    if 9 <= local.hour < 21:
        return
    morning = local.replace(hour=9, minute=0, second=0, microsecond=0)
    if local.hour >= 21:
        morning += timedelta(days=1)
    offset = morning - local
    monkeypatch.setattr(gate, "event_time", lambda: datetime.now(UTC) + offset)
