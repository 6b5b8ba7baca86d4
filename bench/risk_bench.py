"""What the risk rules add to a money transaction. The issue's budget is ≤ 1 ms median added
to a purchase.

- `--way unlocked` (PostgreSQL; how a purchase is judged there): judge the customer's summary
  (`risk.service.judge_unlocked`) and put the decision and summary rows in the plan
  (`risk.writes.steps`), applied in one round trip, against the same one-step plan without
  them. A purchase's context read brings the summary along (`PREFETCH_JOIN`); here it takes a
  round trip of its own, so the bench also times an empty round trip: the difference is the
  figure for a purchase.
- `--way locked` (SQLite, and every call that is not the common case): `risk.service.evaluate`
  (gather under lock, judge, write) inside a transaction, against the same transaction
  without it.

    .venv/bin/python bench/risk_bench.py [--engine postgresql|sqlite] [--way unlocked|locked]
                                         [--customers 200] [--events 2000] [--history 20]

Customers get `--history` earlier moves first, so the summaries are realistic in size. Run it
on a quiet machine; on a loaded one the numbers mean little.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from opendeposit import clock
from opendeposit.bootstrap import build_platform
from opendeposit.config import load_settings
from opendeposit.migrations import migrate
from opendeposit.risk import service as risk
from opendeposit.risk.history import Event, EventKind


async def _customers(p, n: int) -> list[int]:  # type: ignore[no-untyped-def]
    from opendeposit.accounts import service as accounts

    ids = []
    for i in range(n):
        cid = await accounts.customer_by_phone(p, f"139{i:08d}", create=True)
        card = "6222020000" + f"{i:08d}"
        from opendeposit.accounts.domain import luhn_check_digit

        await accounts.open_account(p, customer_id=cid, name="测试", id_number="11010519491231002X",
                                    birth_date=date(1980, 1, 1), region_code="440305",
                                    card_number=card + luhn_check_digit(card), card_bank="工行",
                                    reserved_phone=f"139{i:08d}")
        ids.append(int(cid))  # type: ignore[arg-type]
    return ids


async def _one(p, cid: int, kind: EventKind, amount: int, at, device: str,  # type: ignore[no-untyped-def]
               with_risk: bool) -> float:
    t0 = time.perf_counter()
    async with p.db.transaction() as conn:
        if with_risk:
            await risk.evaluate(conn, db=p.db, vault=p.vault, balance=10**8,
                                call=risk.Call(kind.value, f"bench:{cid}:{amount}"),
                                event=Event(cid, kind, at, amount, device, "10.1.2.3"))
        # both write (a purchase commits a write anyway): the difference is the rules' work
        await conn.execute(text("UPDATE business_day SET updated_at = updated_at"))
    return time.perf_counter() - t0


async def _one_unlocked(p, cid: int, amount: int, device: str,  # type: ignore[no-untyped-def]
                        with_risk: bool) -> tuple[float, bool]:
    from opendeposit.db.apply import apply
    from opendeposit.risk import writes
    from opendeposit.writeplan import Abandon, Change, Plan, Update

    t0 = time.perf_counter()
    now = clock.utcnow()
    touch = Update("business_day", (Change(key={"id": 1}, set={"updated_at": now}),),
                   on_miss=Abandon("NO_DAY"))
    steps: tuple = ()  # type: ignore[type-arg]
    unlocked = False
    if with_risk:
        judged = await risk.judge_unlocked(p.db, vault=p.vault, balance=10**8,
                                           event=Event(cid, EventKind.PURCHASE, now, amount,
                                                       device), draw_serial=False)
        if judged is not None:
            unlocked = True
            steps, _ = writes.steps(risk.judged_rows(judged, business_date=None),
                                    history_text=judged.gathered.history_text or "",
                                    device_text=judged.gathered.device_text)
    await apply(p.db, Plan((*steps, touch), now))
    return time.perf_counter() - t0, unlocked


async def _round_trip(p) -> float:  # type: ignore[no-untyped-def]
    from opendeposit.db.driver import driver_connection

    t0 = time.perf_counter()
    async with driver_connection(p.db) as driver:
        await driver.conn.fetchval("SELECT 1")
    return time.perf_counter() - t0


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp())
    if args.engine == "postgresql":
        from _common import recreate_db

        url = recreate_db("od_risk_bench")
    else:
        url = f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}"
    p = build_platform(load_settings(data_dir=tmp, database_url=url, env="sandbox"))
    await migrate(p.db, chains=16)
    ids = await _customers(p, args.customers)
    rnd = random.Random(1)
    now = clock.utcnow()
    for cid in ids:  # earlier history
        for k in range(args.history):
            await _one(p, cid, rnd.choice([EventKind.TOP_UP, EventKind.PURCHASE]), 10_000,
                       now - timedelta(hours=args.history - k), f"dev-{cid}", True)
    timings = {True: [], False: []}  # type: ignore[var-annotated]
    trips, fast = [], 0
    for i in range(args.events):
        cid = rnd.choice(ids)
        with_risk = i % 2 == 0
        if args.way == "unlocked":
            took, went = await _one_unlocked(p, cid, 100_000, f"dev-{cid}", with_risk)
            timings[with_risk].append(took)
            fast += went
            trips.append(await _round_trip(p))
        else:
            timings[with_risk].append(await _one(p, cid, EventKind.PURCHASE, 100_000,
                                                 clock.utcnow(), f"dev-{cid}", with_risk))
    t0 = time.process_time()
    for _ in range(2000):
        from opendeposit.risk.domain import Facts, evaluate
        from opendeposit.risk.history import Snapshot
        from opendeposit.risk.rules import CATALOGUE, default_rules

        evaluate(Facts(Event(1, EventKind.PURCHASE, now, 100), Snapshot()), default_rules(),
                 CATALOGUE)
    pure = (time.process_time() - t0) / 2000
    med = {k: statistics.median(v) * 1000 for k, v in timings.items()}
    p95 = {k: statistics.quantiles(v, n=20)[-1] * 1000 for k, v in timings.items()}
    print(f"engine {args.engine}, way {args.way}, {args.customers} customers, "
          f"{args.events} transactions")
    what = "judged and written in the plan" if args.way == "unlocked" else "with evaluate"
    print(f"transaction {what}: median {med[True]:.3f} ms, p95 {p95[True]:.3f} ms")
    print(f"transaction without:       median {med[False]:.3f} ms, p95 {p95[False]:.3f} ms")
    added = med[True] - med[False]
    print(f"added by the rules (median): {added:.3f} ms; "
          f"pure evaluator alone: {pure * 1e6:.0f} µs CPU")
    if args.way == "unlocked":
        trip = statistics.median(trips) * 1000
        print(f"judged the unlocked way: {fast} of {len(timings[True])}; an empty round trip: "
              f"median {trip:.3f} ms; added to a purchase (its context read brings the "
              f"summary): {added - trip:.3f} ms")
    await p.db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--engine", choices=["postgresql", "sqlite"], default="postgresql")
    ap.add_argument("--way", choices=["unlocked", "locked"], default=None,
                    help="default: unlocked on PostgreSQL, locked on SQLite")
    ap.add_argument("--customers", type=int, default=200)
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--history", type=int, default=20)
    args = ap.parse_args()
    if args.way is None:
        args.way = "unlocked" if args.engine == "postgresql" else "locked"
    if args.way == "unlocked" and args.engine != "postgresql":
        ap.error("the unlocked way is PostgreSQL's")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
