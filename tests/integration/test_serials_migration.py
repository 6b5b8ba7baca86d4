"""0100_serials on a database that already has movements: every movement entry gets a serial
(customer ones H5, end-of-day ones BT), every holding its certificate number, the same ones
each time the migration runs, and new movements are numbered after the backfilled ones."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select, text

from opendeposit.bootstrap import build_platform
from opendeposit.config import load_settings
from opendeposit.db import Database
from opendeposit.deposits import service as deposits
from opendeposit.deposits import withdraw as deposit_withdraw
from opendeposit.deposits.eod import mature_holdings
from opendeposit.deposits.models import holding
from opendeposit.ledger.models import transaction_serial
from opendeposit.migrations import alembic_config, migrate
from opendeposit.payments import service as payments
from opendeposit.serials import certificate_valid, parse_serial
from tests.conftest import PG_ADMIN, START, pg_skip_reason
from tests.helpers import PIN, deposit_ports, funded_customer, payment_ports, seed_catalog


async def _snapshot(p: Any) -> tuple[dict[str, tuple[str, str]], dict[int, str]]:
    """entry hash → (serial, channel), and holding id → certificate number."""
    async with p.db.read() as conn:
        serials = {r.entry_hash: (r.serial, r.channel) for r in await conn.execute(
            select(transaction_serial))}
        certs = {r.id: r.certificate_no for r in await conn.execute(
            select(holding.c.id, holding.c.certificate_no))}
    return serials, certs


async def _redo_0100(url: str) -> None:
    cfg = alembic_config(url)
    # first off the join of the heads (0110), then 0100_serials alone, its siblings untouched
    await asyncio.to_thread(command.downgrade, cfg, "0100_serials")
    await asyncio.to_thread(command.downgrade, cfg, "0100_serials@-1")
    await asyncio.to_thread(command.upgrade, cfg, "heads")


async def _backfill(url: str, data_dir: Path) -> None:
    db = Database(url)
    await migrate(db, chains=4, start_date=START)
    await db.dispose()
    p = build_platform(load_settings(data_dir=data_dir, database_url=url, env="sandbox"))
    try:
        await seed_catalog(p)
        c = await funded_customer(p)  # a top-up
        await payments.withdraw(**payment_ports(p), customer_id=c.customer_id, amount=500,
                                pin=PIN, idempotency_key="w")
        bought = [await deposits.purchase(**deposit_ports(p), customer_id=c.customer_id,
                                          product_code="TD3M", amount=1_000_000, pin=PIN,
                                          idempotency_key=f"b{i}") for i in (1, 2)]
        await deposit_withdraw.withdraw(**deposit_ports(p), customer_id=c.customer_id,
                                        holding_id=bought[0].body["id"], amount=None, pin=PIN,
                                        idempotency_key="e")
        async with p.db.read() as conn:
            due = (await conn.execute(select(holding.c.maturity_date).where(
                holding.c.id == bought[1].body["id"]))).scalar_one()
        await mature_holdings(db=p.db, vault=p.vault, day=due + timedelta(days=1))
        before_serials, before_certs = await _snapshot(p)
        assert len(before_serials) == 6 and None not in before_serials

        await _redo_0100(url)
        after_serials, after_certs = await _snapshot(p)
        # the same movements, on the same channels, numbered 1..6 in the order they happened
        assert set(after_serials) == set(before_serials)
        assert {h: ch for h, (_, ch) in after_serials.items()} == \
            {h: ch for h, (_, ch) in before_serials.items()}
        assert sorted(parse_serial(s)[2] for s, _ in after_serials.values()) == list(range(1, 7))
        def in_order(found: dict[str, tuple[str, str]]) -> list[str]:
            return sorted(found, key=lambda h: parse_serial(found[h][0])[2])

        assert in_order(after_serials) == in_order(before_serials)  # in the order they happened
        assert after_certs == before_certs and all(certificate_valid(x)
                                                   for x in after_certs.values())
        # deterministic: once more gives the very same serials
        await _redo_0100(url)
        assert (await _snapshot(p))[0] == after_serials
        # and the next movement continues after the backfilled numbers
        await p.db.dispose()
        p = build_platform(load_settings(data_dir=data_dir, database_url=url, env="sandbox"))
        nxt = await payments.top_up(**payment_ports(p), customer_id=c.customer_id, amount=100,
                                    pin=PIN, idempotency_key="t2")
        assert parse_serial(nxt.body["transaction_serial"])[2] == 7
    finally:
        await p.db.dispose()


async def test_0100_backfills_serials_and_certificates_sqlite(tmp_path: Path) -> None:
    await _backfill(f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}", tmp_path / "data")


@pytest.mark.postgres
async def test_0100_backfills_serials_and_certificates_postgresql(tmp_path: Path) -> None:
    reason = pg_skip_reason()
    if reason:
        pytest.skip(reason)
    name = f"od_ser_{uuid.uuid4().hex[:10]}"
    admin = Database(PG_ADMIN)
    try:
        async with admin.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await _backfill(PG_ADMIN.rsplit("/", 1)[0] + "/" + name, tmp_path / "data")
    finally:
        async with admin.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
