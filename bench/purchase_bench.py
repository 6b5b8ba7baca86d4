"""Deposit purchases per second over HTTP on PostgreSQL (one popular product), as a ratio to
the purchase ceiling of this machine (`<repo>/../shared/bench/purchase-ceiling/run.sh`, or
$PURCHASE_CEILING; pgbench on a stand-in schema, one server-side function) measured in the
same run; then an oversell check:
a scarce product hammered by 32 clients must sell out exactly.

    .venv/bin/python bench/purchase_bench.py [--seconds 20] [--clients 8 32] [--customers 500]
        [--workers 1] [--pool-size N] [--max-overflow N] [--profile FILE] [--no-ceiling]

Each wrk run also samples pg_stat_activity (what the server's sessions wait on), counts the
sessions opened meanwhile (connection churn) and reports the CPU time per purchase of the API
process(es) and of PostgreSQL (from /proc: on a quiet machine, where the time goes);
--profile runs one API process under cProfile.

The API runs as `opendeposit serve api` (one process) with the embedded ESB relay off, so the
figure is the purchase path itself: auth, idempotency, PIN (cached after the first argon2
check), product and cap checks, holding and its ledger account, hash-chained entry, outbox
row, quota shard decrement. Prints a markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import tempfile
from pathlib import Path

from _common import (
    PgSampler,
    ceiling_script,
    cpu_seconds,
    ease_risk_for_load,
    machine,
    psql,
    recreate_db,
    served,
    warm,
    wrk,
    wrk_post_script,
)

from opendeposit.money import format_amount

PORT = 18766
PIN = "135790"
CEILING = ceiling_script()
SCARCE_UNITS = 100  # purchases of 100.00 that the scarce product's quota fits


async def seed(url: str, data_dir: Path, customers: int) -> list[str]:
    from datetime import date

    from opendeposit.accounts import service as accounts
    from opendeposit.accounts.models import customer
    from opendeposit.auth.service import issue_token
    from opendeposit.bootstrap import build_platform
    from opendeposit.clock import current_business_date
    from opendeposit.config import load_settings
    from opendeposit.ledger import service as ledger
    from opendeposit.ledger.domain import BANK_SETTLEMENT, JournalEntry
    from opendeposit.migrations import migrate

    settings = load_settings(data_dir=data_dir, database_url=url, env="sandbox",
                             token_ttl_minutes=600)
    p = build_platform(settings)
    await migrate(p.db, chains=settings.ledger_chains, start_date=date(2025, 6, 2))
    await _products(p)
    tokens, pin_hash = [], p.pins.hash(PIN)
    for n in range(customers):
        cid = await accounts.customer_by_phone(p, f"137{n:08d}", create=True)
        acct = await accounts.open_account(
            p, customer_id=cid, name=f"客户{n}", id_number="11010519491231002X",  # type: ignore[arg-type]
            birth_date=date(1949, 12, 31), region_code="110105",
            card_number=f"6222{n:015d}", card_bank="工商银行", reserved_phone=f"137{n:08d}")
        async with p.db.transaction() as conn:  # a funded balance, as a top-up would post it
            await ledger.post(conn, JournalEntry.transfer(
                kind="top_up", business_date=await current_business_date(conn),
                description="基准测试资金", debit=BANK_SETTLEMENT, credit=acct.ledger_code,
                amount=10**10, reference=f"BENCH{n}"), chain=acct.chain)
        tokens.append(await issue_token(p, kind="customer", subject_id=cid,  # type: ignore[arg-type]
                                        roles=(), device_id="bench"))
    async with p.db.transaction() as conn:
        await conn.execute(customer.update().values(pin_hash=pin_hash))
    await ease_risk_for_load(p.db)
    await p.db.dispose()
    return tokens


async def _products(p) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from opendeposit.products import service
    from opendeposit.products.demo_catalog import demo_terms, seed_catalog
    from opendeposit.products.domain import DEFAULT_RISK_TEXT, ProductKind
    from opendeposit.staff.demo import seed_demo_staff

    await seed_catalog(p, echo=False)
    staff = await seed_demo_staff(p)
    base = demo_terms("HOT", "1年期整存整取（热销）", ProductKind.TIME_DEPOSIT, 12)
    for code, quota in (("HOT", 10**15), ("SCARCE", SCARCE_UNITS * 10_000)):
        terms = replace(base, code=code, total_quota=quota, max_per_customer=10**14)
        texts = service.ProductTexts(code, "提前支取按活期利率计息。", DEFAULT_RISK_TEXT)
        await service.create_draft(p, staff_id=staff["maker"][0], terms=terms, texts=texts)
        await service.submit(p, code=code, staff_id=staff["maker"][0])
        await service.approve(p, code=code, staff_id=staff["checker"][0])




def ceiling(seconds: int, clients: list[int]) -> dict[tuple[str, int], tuple[float, float, float]]:
    """(script, clients) → (tps, p50 ms, p99 ms) from the shared pgbench ceiling."""
    out = subprocess.run(["bash", str(CEILING), str(seconds), " ".join(map(str, clients))],
                         capture_output=True, text=True, check=True).stdout
    found = {}
    for m in re.finditer(r"ceiling (\S+) clients=(\d+) tps=([\d.]+) p50_ms=([\d.]+) "
                         r"p99_ms=([\d.]+)", out):
        found[(m.group(1), int(m.group(2)))] = (float(m.group(3)), float(m.group(4)),
                                                float(m.group(5)))
    return found


def oversell_check(db: str) -> tuple[int, int, int]:
    """(holdings sold, fen sold, fen left) of the scarce product after the run."""
    sold = psql("SELECT count(*) || ' ' || coalesce(sum(original_principal), 0) FROM holding "
                "WHERE product_code = 'SCARCE' AND previous_holding_id IS NULL", db).split()
    left = psql("SELECT coalesce(sum(remaining), 0) FROM product_quota_shard "
                "WHERE product_code = 'SCARCE'", db)
    return int(sold[0]), int(sold[1]), int(left)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--clients", type=int, nargs="+", default=[8, 32])
    ap.add_argument("--customers", type=int, default=500)
    ap.add_argument("--workers", type=int, default=1,
                    help="API processes (opendeposit serve api --workers)")
    ap.add_argument("--pool-size", type=int, default=None,
                    help="OPENDEPOSIT_DB_POOL_SIZE per process (default: the setting's)")
    ap.add_argument("--max-overflow", type=int, default=None,
                    help="OPENDEPOSIT_DB_MAX_OVERFLOW per process (default: the setting's)")
    ap.add_argument("--profile", type=Path, default=None,
                    help="run one API process under cProfile, stats written to this file")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/3",
                    help="OPENDEPOSIT_REDIS_URL when --workers > 1 ('' for none: then each "
                    "request checks its token in the database)")
    ap.add_argument("--no-ceiling", action="store_true", help="skip the pgbench ceiling")
    args = ap.parse_args()
    db = "od_bench_purchase"
    url = recreate_db(db)
    data_dir = Path(tempfile.mkdtemp(prefix="od-bench-"))
    tokens = asyncio.run(seed(url, data_dir, args.customers))
    hot, scarce = (wrk_post_script(data_dir / f"{code}.lua", url_path="/api/v1/deposits",
                                   tokens=tokens, body={"product_code": code,
                                                        "amount": "100.00", "pin": PIN})
                   for code in ("HOT", "SCARCE"))
    env = {"DATABASE_URL": url, "OPENDEPOSIT_ENV": "sandbox", "OPENDEPOSIT_DATA_DIR":
           str(data_dir), "OPENDEPOSIT_TOKEN_TTL_MINUTES": "600",
           "OPENDEPOSIT_ESB_EMBEDDED_RELAY": "false",
           # every request comes from 127.0.0.1 and a few hundred customers: the per-IP and
           # per-customer limits would refuse most of the run (429s that wrk counts as done)
           "OPENDEPOSIT_RATE_LIMITS": "ip=off,customer=off"}
    if args.pool_size:
        env["OPENDEPOSIT_DB_POOL_SIZE"] = str(args.pool_size)
    if args.max_overflow is not None:
        env["OPENDEPOSIT_DB_MAX_OVERFLOW"] = str(args.max_overflow)
    rows, waits = [], []
    workers = 1 if args.profile else args.workers
    if workers > 1 and args.redis:  # as deployed: workers share token revocations in Redis
        env["OPENDEPOSIT_REDIS_URL"] = args.redis
    cpu = []
    with served(env, PORT, workers=workers, profile=args.profile) as server:
        asyncio.run(warm(PORT, url_path="/api/v1/deposits", tokens=tokens, expect=201,
                         body={"product_code": "HOT", "amount": "100.00", "pin": PIN},
                         rounds=3 * workers if workers > 1 else 1))
        for c in args.clients:
            before = cpu_seconds(server.pid)
            with PgSampler(db) as sampler:
                rows.append((c, wrk(f"http://127.0.0.1:{PORT}", hot, clients=c,
                                    seconds=args.seconds)))
            after = cpu_seconds(server.pid)
            done = max(1, rows[-1][1].requests)
            cpu.append((c, *((b - a) * 1000 / done for a, b in zip(before, after, strict=True))))
            waits.append((c, sampler.summary()))
        oversell = wrk(f"http://127.0.0.1:{PORT}", scarce, clients=32,
                       seconds=max(10, args.seconds // 2))
    refs = {} if args.no_ceiling else ceiling(args.seconds, args.clients)
    sold, fen, left = oversell_check(db)
    print(f"\nmachine: {machine()}; API processes: {workers}; load average (1/5/15 min) "
          f"at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print("| clients | purchases/s | p50 ms | p99 ms | non-2xx | ceiling shard16 TPS "
          "(p50/p99 ms) | ratio | ceiling hot-row TPS |")
    print("|---|---|---|---|---|---|---|---|")
    for c, r in rows:
        tps, p50, p99 = refs.get(("fn_shard16", c), (0.0, 0.0, 0.0))
        hot_row = refs.get(("fn_hot", c), (0.0, 0.0, 0.0))[0]
        ratio = r.rps / tps if tps else 0.0
        print(f"| {c} | {r.rps:.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.non_2xx} | "
              f"{tps:.0f} ({p50:.2f}/{p99:.2f}) | {ratio:.3f} | {hot_row:.0f} |")
    for c, api_ms, pg_ms in cpu:
        print(f"\n{c} clients, CPU per purchase: API process(es) {api_ms:.2f} ms, PostgreSQL "
              f"{pg_ms:.2f} ms (all of its processes; {os.cpu_count()} cores in all)")
    for c, summary in waits:
        print(f"\n{c} clients, PostgreSQL side: {summary}")
    quota = SCARCE_UNITS * 10_000
    verdict = "no oversell" if fen + left == quota and fen <= quota else "OVERSOLD"
    verdict += ", sold out exactly" if sold == SCARCE_UNITS and left == 0 else ", not sold out"
    print(f"\noversell check (32 clients on a quota of {SCARCE_UNITS} x 100.00): sold {sold} "
          f"holdings = {format_amount(fen)} yuan, quota left {format_amount(left)}, "
          f"{oversell.non_2xx} requests refused (QUOTA_EXCEEDED) → {verdict}")
    psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
