"""Alembic migrations and the `migrate` entry point that also installs reference data."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from alembic import command
from alembic.config import Config

from opendeposit import clock
from opendeposit.db import Database
from opendeposit.ledger import service as ledger

HERE = Path(__file__).parent


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def migrate(db: Database, *, chains: int, start_date: date | None = None) -> None:
    """Bring the schema to every head, then install the plan applier's functions (PostgreSQL),
    the chart of accounts and the business date.

    "heads", not "head": features developed side by side each add a revision on the same
    parent, and a merge revision joins them once they have all landed."""
    await asyncio.to_thread(command.upgrade, alembic_config(db.url), "heads")
    async with db.transaction() as conn:
        if not db.is_sqlite:
            from opendeposit.db import pg_functions

            await pg_functions.install(conn)  # the plan applier and the hash-chain append
        await ledger.install_chart(conn, db, chains=chains)
        await clock.init_business_date(conn, db, start_date or clock.beijing_today())
