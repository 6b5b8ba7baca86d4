"""Top-ups per second over HTTP on PostgreSQL, as a ratio to pgbench's tpcb-like TPS measured on
the same server in the same run (issue #2's benchmark; target ≥ 0.5).

    .venv/bin/python bench/topup_bench.py [--seconds 20] [--clients 8 32] [--customers 500]

The card network is the in-memory sandbox adapter, so the figure is the platform's own path:
auth, idempotency, PIN (cached after the first argon2 check), payment order, network call,
ledger entry with hash chain, outbox row, response (the embedded ESB relay is off, so signing
the e-receipts the outbox asks for is not in the figure). Prints a markdown table for
docs/performance.md, with the CPU time per top-up of the API process and of PostgreSQL, and
what PostgreSQL's sessions waited on.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from _common import (
    PgSampler,
    cpu_seconds,
    ease_risk_for_load,
    machine,
    pgbench_tpcb,
    psql,
    recreate_db,
    served,
    warm,
    wrk,
    wrk_post_script,
)

PORT = 18765
PIN = "135790"


async def seed(url: str, data_dir: Path, customers: int) -> list[str]:
    from opendeposit.accounts import service as accounts
    from opendeposit.accounts.models import customer
    from opendeposit.auth.service import issue_token
    from opendeposit.bootstrap import build_platform
    from opendeposit.config import load_settings
    from opendeposit.migrations import migrate

    settings = load_settings(data_dir=data_dir, database_url=url, env="sandbox",
                             token_ttl_minutes=600)
    p = build_platform(settings)
    await migrate(p.db, chains=settings.ledger_chains)
    tokens = []
    pin_hash = p.pins.hash(PIN)
    for n in range(customers):
        cid = await accounts.customer_by_phone(p, f"139{n:08d}", create=True)
        await accounts.open_account(p, customer_id=cid, name=f"客户{n}",  # type: ignore[arg-type]
                                    id_number="11010519491231002X", birth_date=__import__(
                                        "datetime").date(1949, 12, 31), region_code="110105",
                                    card_number=f"6222{n:015d}", card_bank="工商银行",
                                    reserved_phone=f"139{n:08d}")
        tokens.append(await issue_token(p, kind="customer", subject_id=cid,  # type: ignore[arg-type]
                                        roles=(), device_id="bench"))
    async with p.db.transaction() as conn:
        await conn.execute(customer.update().values(pin_hash=pin_hash))
    await ease_risk_for_load(p.db)
    await p.db.dispose()
    return tokens


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--clients", type=int, nargs="+", default=[8, 32])
    ap.add_argument("--customers", type=int, default=500)
    args = ap.parse_args()
    url = recreate_db("od_bench_topup")
    data_dir = Path(tempfile.mkdtemp(prefix="od-bench-"))
    tokens = asyncio.run(seed(url, data_dir, args.customers))
    # an ordinary amount: a stream of 1.00 top-ups is what the SMALL_PROBES rule (many small
    # "test" moves) raises an alert for, and an alert takes the risk gate's locked way
    body = {"amount": "100.00", "pin": PIN}
    script = wrk_post_script(data_dir / "topup.lua", url_path="/api/v1/account/top-up",
                             tokens=tokens, body=body)
    env = {"DATABASE_URL": url, "OPENDEPOSIT_ENV": "sandbox", "OPENDEPOSIT_DATA_DIR":
           str(data_dir), "OPENDEPOSIT_SANDBOX_CARD_NETWORK": "memory",
           "OPENDEPOSIT_TOKEN_TTL_MINUTES": "600", "OPENDEPOSIT_ESB_EMBEDDED_RELAY": "false",
           # all wrk traffic comes from one address: the per-IP / per-customer limits would
           # answer 429s that wrk counts as completed requests
           "OPENDEPOSIT_RATE_LIMITS": "ip=off,customer=off"}
    rows, cpu, waits = [], [], []
    with served(env, PORT) as server:
        asyncio.run(warm(PORT, url_path="/api/v1/account/top-up", tokens=tokens, body=body,
                         expect=200))
        for c in args.clients:
            before = cpu_seconds(server.pid)
            with PgSampler("od_bench_topup") as sampler:
                result = wrk(f"http://127.0.0.1:{PORT}", script, clients=c,
                             seconds=args.seconds)
            after = cpu_seconds(server.pid)
            rows.append((c, result))
            done = max(1, result.requests)
            cpu.append((c, *((b - a) * 1000 / done for a, b in zip(before, after, strict=True))))
            waits.append((c, sampler.summary()))
    entries = int(psql("SELECT count(*) FROM journal_entry", "od_bench_topup"))
    refs = {c: pgbench_tpcb(c, args.seconds) for c, _ in rows}
    print(f"\nmachine: {machine()}")
    print(f"journal entries written: {entries} (= successful top-ups incl. warm-up)\n")
    print("| clients | top-ups/s | p50 ms | p99 ms | non-2xx | pgbench tpcb TPS | ratio |")
    print("|---|---|---|---|---|---|---|")
    for c, r in rows:
        print(f"| {c} | {r.rps:.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.non_2xx} | "
              f"{refs[c]:.0f} | {r.rps / refs[c]:.2f} |")
    for c, api_ms, pg_ms in cpu:
        print(f"\n{c} clients, CPU per top-up: API process {api_ms:.2f} ms, PostgreSQL "
              f"{pg_ms:.2f} ms (all of its processes)")
    for c, summary in waits:
        print(f"\n{c} clients, PostgreSQL side: {summary}")


if __name__ == "__main__":
    main()
