"""The production topology on this machine (issue #12): `opendeposit serve all` on PostgreSQL
and RabbitMQ — API ×1/2/3 workers, the relay, two signers — measured in one run:

1. purchases/s over HTTP (wrk) at each client count for each API worker count, against the
   purchase ceiling of this machine (`../shared/bench/purchase-ceiling/run.sh`, see
   `_common.ceiling_script`) measured in the same run;
2. receipt lag (outbox row committed → signed receipt committed) p50/p99 while sustaining a
   fixed purchase rate (50/s by default) for a while, with the signers keeping up or not;
3. the recovery time after each fault: one `opendeposit simulate --faults` day.

    .venv/bin/python bench/production_bench.py [--seconds 20] [--clients 8 32]
        [--workers 1 2 3] [--lag-rate 50] [--lag-seconds 60] [--sim-customers 300]
        [--sim-minutes 5]

Prints markdown tables for docs/performance.md. Numbers from a loaded machine are not final:
the load average is printed with every table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from _common import ROOT, machine, psql, recreate_db, warm, wrk, wrk_post_script
from purchase_bench import PIN, ceiling, seed

PORT = 18777
AMQP = os.environ.get("BENCH_AMQP", "amqp://guest:guest@127.0.0.1:5672/")
BODY = {"product_code": "HOT", "amount": "100.00", "pin": PIN}


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


@contextmanager
def serve_all(env: dict[str, str], workers: int, esign_workers: int = 2):  # type: ignore[no-untyped-def]
    """`opendeposit serve all` in a subprocess until the block ends (SIGTERM stops the set)."""
    import urllib.request

    exe = Path(sys.executable).parent / "opendeposit"
    proc = subprocess.Popen([str(exe), "serve", "all", "--port", str(PORT), "--workers",
                             str(workers), "--esign-workers", str(esign_workers)],
                            env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{PORT}/readyz",
                                          timeout=2).status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("serve all did not get ready")
            time.sleep(0.3)
        time.sleep(1.0 + workers)  # every uvicorn worker up, not just the first
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(45)
        except subprocess.TimeoutExpired:
            proc.kill()


def environment(url: str, data_dir: Path, prefix: str) -> dict[str, str]:
    return {"DATABASE_URL": url, "OPENDEPOSIT_ENV": "sandbox",
            "OPENDEPOSIT_DATA_DIR": str(data_dir), "OPENDEPOSIT_TOKEN_TTL_MINUTES": "600",
            "OPENDEPOSIT_TOKEN_IDLE_MINUTES": "600", "OPENDEPOSIT_ESB_TRANSPORT": "amqp",
            "OPENDEPOSIT_ESB_AMQP_URL": AMQP, "OPENDEPOSIT_ESB_AMQP_PREFIX": prefix,
            "OPENDEPOSIT_RATE_LIMITS": "ip=off,customer=off", "OPENDEPOSIT_DB_POOL_SIZE": "16",
            "OPENDEPOSIT_LOG_LEVEL": "WARNING",
            "PROMETHEUS_MULTIPROC_DIR": str(data_dir / "metrics")}


def fresh(db: str, customers: int) -> tuple[str, Path, list[str]]:
    url = recreate_db(db)
    data_dir = Path(tempfile.mkdtemp(prefix="od-prod-bench-"))
    (data_dir / "metrics").mkdir()
    tokens = asyncio.run(seed(url, data_dir, customers))
    from opendeposit.config import load_settings
    from opendeposit.esign.pki import init_demo_pki

    settings = load_settings(data_dir=data_dir, env="sandbox")
    init_demo_pki(settings.pki_dir, bank_name=settings.bank_name)
    return url, data_dir, tokens


def throughput(args: argparse.Namespace) -> list[tuple[int, int, float, float, float, int, str]]:
    rows = []
    for workers in args.workers:
        db = f"od_bench_prod_w{workers}"
        url, data_dir, tokens = fresh(db, args.customers)
        script = wrk_post_script(data_dir / "hot.lua", url_path="/api/v1/deposits",
                                 tokens=tokens, body=BODY)
        prefix = f"od-bench-{uuid.uuid4().hex[:8]}"
        with serve_all(environment(url, data_dir, prefix), workers):
            asyncio.run(warm(PORT, url_path="/api/v1/deposits", tokens=tokens, expect=201,
                             body=BODY))
            for c in args.clients:
                r = wrk(f"http://127.0.0.1:{PORT}", script, clients=c, seconds=args.seconds)
                rows.append((workers, c, r.rps, r.p50_ms, r.p99_ms, r.non_2xx, load()))
                print(f"workers={workers} clients={c} purchases/s={r.rps:.0f} "
                      f"p99={r.p99_ms:.0f}ms load={load()}", flush=True)
        asyncio.run(_delete_topology(prefix))
        psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    return rows


async def _paced(tokens: list[str], rate: float, seconds: float) -> tuple[int, int, float]:
    """Open-loop purchases at `rate`/s for `seconds` → (sent, refused or failed, achieved/s)."""
    import httpx

    sent = failed = 0
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}", timeout=30,
                                 limits=limits) as client:
        async def one(i: int) -> None:
            nonlocal failed
            try:
                r = await client.post("/api/v1/deposits", headers={
                    "Authorization": f"Bearer {tokens[i % len(tokens)]}"},
                    json={**BODY, "idempotency_key": f"lag-{i}"})
                failed += r.status_code != 201
            except httpx.HTTPError:
                failed += 1

        tasks = []
        start = time.monotonic()
        while (elapsed := time.monotonic() - start) < seconds:
            due = int(elapsed * rate) + 1
            while sent < due:
                tasks.append(asyncio.create_task(one(sent)))
                sent += 1
            await asyncio.sleep(0.005)
        await asyncio.gather(*tasks)
        achieved = sent / (time.monotonic() - start)
    return sent, failed, achieved


def receipt_lag(args: argparse.Namespace) -> dict[str, float | int | str]:
    db = "od_bench_prod_lag"
    url, data_dir, tokens = fresh(db, args.customers)
    prefix = f"od-bench-{uuid.uuid4().hex[:8]}"
    with serve_all(environment(url, data_dir, prefix), 2):
        asyncio.run(warm(PORT, url_path="/api/v1/deposits", tokens=tokens, expect=201, body=BODY))
        mark = psql("SELECT now()", db)
        sent, failed, achieved = asyncio.run(_paced(tokens, args.lag_rate, args.lag_seconds))
        observed_load = load()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and int(psql(
                "SELECT count(*) FROM esb_outbox o WHERE o.service_code = "
                "'ESIGN.RECEIPT.ISSUE' AND NOT EXISTS (SELECT 1 FROM esign_receipt r WHERE "
                "r.message_id = o.message_id AND r.status = 'issued')", db)):
            time.sleep(1)
    lags = psql(
        "SELECT coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY s), 0) || ' ' || "
        "coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY s), 0) || ' ' || "
        "coalesce(max(s), 0) || ' ' || count(*) FROM (SELECT extract(epoch FROM "
        "r.signed_at - o.created_at) AS s FROM esign_receipt r JOIN esb_outbox o ON "
        f"o.message_id = r.message_id WHERE o.created_at >= '{mark}') x", db).split()
    asyncio.run(_delete_topology(prefix))
    psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    return {"rate": args.lag_rate, "achieved": round(achieved, 1), "sent": sent,
            "failed": failed, "p50_s": round(float(lags[0]), 2),
            "p99_s": round(float(lags[1]), 2), "max_s": round(float(lags[2]), 2),
            "receipts": int(lags[3]), "load": observed_load}


async def _delete_topology(prefix: str) -> None:
    from opendeposit.ops.simulate import delete_broker_names

    await delete_broker_names(AMQP, prefix)


def faults(args: argparse.Namespace) -> dict:  # type: ignore[type-arg]
    report = Path(tempfile.mkdtemp(prefix="od-prod-sim-")) / "report.json"
    exe = Path(sys.executable).parent / "opendeposit"
    pg = os.environ.get("BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432")
    subprocess.run([str(exe), "simulate", "--faults", "--customers", str(args.sim_customers),
                    "--minutes", str(args.sim_minutes), "--seed", "1", "--report", str(report)],
                   env={**os.environ, "OPENDEPOSIT_SIM_PG": f"{pg}/postgres",
                        "OPENDEPOSIT_SIM_AMQP": AMQP}, cwd=ROOT, check=False)
    return json.loads(report.read_text())  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--clients", type=int, nargs="+", default=[8, 32])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--customers", type=int, default=300)
    ap.add_argument("--lag-rate", type=float, default=50.0)
    ap.add_argument("--lag-seconds", type=float, default=60.0)
    ap.add_argument("--sim-customers", type=int, default=300)
    ap.add_argument("--sim-minutes", type=float, default=5.0)
    args = ap.parse_args()
    print(f"machine: {machine()}; load at start {load()}", flush=True)
    rows = throughput(args)
    refs = ceiling(args.seconds, args.clients)
    lag = receipt_lag(args)
    sim = faults(args)
    print("\n| API workers | clients | purchases/s | p50 ms | p99 ms | non-2xx | ceiling "
          "shard16 TPS | ratio | load avg |")
    print("|---|---|---|---|---|---|---|---|---|")
    for workers, c, rps, p50, p99, bad, ld in rows:
        tps = refs.get(("fn_shard16", c), (0.0, 0.0, 0.0))[0]
        ratio = f"{rps / tps:.3f}" if tps else "–"
        print(f"| {workers} | {c} | {rps:.0f} | {p50:.1f} | {p99:.1f} | {bad} | {tps:.0f} | "
              f"{ratio} | {ld} |")
    print(f"\nreceipt lag at {lag['rate']:.0f} purchases/s for {args.lag_seconds:.0f} s "
          f"(achieved {lag['achieved']}/s, {lag['failed']} failed; API ×2, signers ×2): "
          f"p50 {lag['p50_s']} s, p99 {lag['p99_s']} s, max {lag['max_s']} s over "
          f"{lag['receipts']} receipts; load {lag['load']}")
    print(f"\nfaults (simulate --faults, {args.sim_customers} customers, "
          f"{args.sim_minutes} min day, load {sim['load']}): checks "
          f"{'all pass' if sim['ok'] else 'FAILED'}")
    print("| fault | errors seen by clients | recovery s |")
    print("|---|---|---|")
    for f in sim["faults"]:
        print(f"| {f['kind']} | {f['errors']} | {f['recovery_seconds']} |")


if __name__ == "__main__":
    main()
