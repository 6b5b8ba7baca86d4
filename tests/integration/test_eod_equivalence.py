"""The chunked end of day writes exactly what one holding (one accumulator) at a time writes.

Generated cases (seeded): customers with several 3-month deposits of random amounts, some
instructed to roll over, some accounts frozen (their payouts are refused, recorded and left
for the next run), demand balances of random size. The same scenario is built twice on a fresh
database; maturity and the demand-interest credit run once with chunks of a few items (several
chunks, each one plan: on PostgreSQL one `apply_plan()` call) and once with chunks of one. Every
row they write must be the same: holdings, events, journal entries with their chain hashes,
postings, balances, accumulators, failures and the receipt requests. Runs on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import json
import random
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import AccountStatus
from opendeposit.bootstrap import build_platform
from opendeposit.clock import current_business_date
from opendeposit.config import load_settings
from opendeposit.deposits import demand, service
from opendeposit.deposits import eod as deposits_eod
from opendeposit.deposits.models import demand_accrual, eod_failure, holding, holding_event
from opendeposit.ledger import service as ledger
from opendeposit.ledger.domain import BANK_SETTLEMENT, JournalEntry
from opendeposit.ledger.models import journal_entry, ledger_account, ledger_balance, posting
from opendeposit.platform import Platform
from tests.conftest import _reset_pg
from tests.helpers import PIN, Opened, deposit_ports, open_customer, seed_catalog

MATURITY, SETTLEMENT, CREDIT = date(2025, 9, 2), date(2025, 9, 20), date(2025, 9, 21)
VOLATILE = {"created_at", "opened_at"}  # wall-clock stamps: the only columns allowed to differ


async def _scenario(p: Platform, seed: int) -> None:
    rng = random.Random(seed)
    await seed_catalog(p)
    for n in range(1, rng.randint(4, 6) + 1):
        buys = [rng.randint(1, 40) * 10_000 for _ in range(rng.randint(1, 4))]
        c = await _funded(p, n, amount=sum(buys) + rng.randint(0, 30) * 10_000)
        for i, amount in enumerate(buys):
            answer = await service.purchase(**deposit_ports(p), customer_id=c.customer_id,
                                            product_code="TD3M", amount=amount, pin=PIN,
                                            idempotency_key=f"b{i}")
            assert answer.status_code == 201, answer.body
            if rng.random() < 0.5:
                await service.set_maturity_instruction(
                    db=p.db, customer_id=c.customer_id, holding_id=int(answer.body["id"]),
                    auto_rollover=True)
        if rng.random() < 0.3:
            await accounts.change_status(p, account_id=c.account.id, status=AccountStatus.FROZEN,
                                         reason="judicial freeze", actor="staff:1")


async def _funded(p: Platform, n: int, *, amount: int) -> Opened:
    """A customer whose balance is funded by an entry with a fixed reference (a top-up's
    reference holds the time, so both builds would start from different chain hashes)."""
    opened = await open_customer(p, n)
    async with p.db.transaction() as conn:
        await ledger.post(conn, JournalEntry.transfer(
            kind="top_up", business_date=await current_business_date(conn),
            description="测试资金", debit=BANK_SETTLEMENT, credit=opened.account.ledger_code,
            amount=amount, reference=f"FUND{n}"), chain=opened.account.chain)
    return opened


async def _end_of_day(p: Platform, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(deposits_eod, "CHUNK", chunk)
    await deposits_eod.mature_holdings(db=p.db, vault=p.vault, day=MATURITY)
    await demand.accrue(db=p.db, day=SETTLEMENT)
    monkeypatch.setattr(demand, "CHUNK", 10_000)  # settlement aggregates per chunk by design
    await demand.settle(db=p.db, day=SETTLEMENT)
    monkeypatch.setattr(demand, "CHUNK", chunk)
    await demand.credit(db=p.db, day=CREDIT)


async def _rows(p: Platform) -> dict[str, list[str]]:
    """Every row of the tables EOD writes, as sorted JSON text without wall-clock stamps."""
    tables = (holding, holding_event, journal_entry, posting, ledger_account, ledger_balance,
              demand_accrual)
    out: dict[str, list[str]] = {}
    async with p.db.read() as conn:
        for t in tables:
            rows = (await conn.execute(select(t))).mappings().all()
            out[t.name] = sorted(_text(r) for r in rows)
        out["eod_failure"] = sorted(_text(r) for r in (await conn.execute(select(
            eod_failure.c.business_date, eod_failure.c.step, eod_failure.c.subject,
            eod_failure.c.code))).mappings().all())
        from sqlalchemy import text

        out["receipts"] = sorted(r[0] for r in (await conn.execute(text(
            "SELECT body FROM esb_outbox WHERE body LIKE '%receipt_kind%' "
            "AND (body LIKE '%maturity_payout%' OR body LIKE '%rollover_of%')"))).all())
    return out


def _text(row: Any) -> str:
    return json.dumps({k: v for k, v in dict(row).items() if k not in VOLATILE},
                      sort_keys=True, default=str)


async def _fresh(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> Platform:
    if kind == "sqlite":
        target = tmp_path / "second.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        url = f"sqlite+aiosqlite:///{target}"
    else:
        url = request.getfixturevalue("pg_url")
        await _reset_pg(url)
    settings = load_settings(data_dir=tmp_path / "data2", database_url=url, env="sandbox")
    return build_platform(settings)


@pytest.mark.parametrize("seed", [7, 2025])
async def test_chunked_eod_writes_the_rows_of_one_item_at_a_time(
        platform: Platform, request: pytest.FixtureRequest, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    kind = "sqlite" if platform.db.is_sqlite else "postgres"
    chunk = random.Random(seed).randint(2, 4)
    await _scenario(platform, seed)
    await _end_of_day(platform, monkeypatch, chunk)
    chunked = await _rows(platform)
    await platform.db.dispose()

    second = await _fresh(request, kind, tmp_path)
    try:
        await _scenario(second, seed)
        await _end_of_day(second, monkeypatch, 1)
        one_by_one = await _rows(second)
    finally:
        await second.db.dispose()

    # the case did exercise every path: payouts, rollovers, refusals and credits
    events = " ".join(chunked["holding_event"])
    assert '"kind": "maturity_payout"' in events and '"kind": "rollover"' in events
    assert any("interest_credit" in e for e in chunked["journal_entry"])
    assert len(chunked["holding_event"]) > chunk  # more than one chunk
    for table, rows in sorted(one_by_one.items(), key=lambda t: t[0] != "journal_entry"):
        diff = sorted(set(chunked[table]) ^ set(rows))
        assert chunked[table] == rows, (table, diff[:4])
