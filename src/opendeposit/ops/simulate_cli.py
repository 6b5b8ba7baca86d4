"""`opendeposit simulate`: a seeded bank day with faults against `serve all` (ops/simulate.py)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click


@click.command()
@click.option("--customers", default=200, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--seed", default=1, show_default=True, type=int,
              help="the same seed plays the same day (customers, amounts, fault moments)")
@click.option("--faults", is_flag=True, help="kill -9 an API worker, the relay and a signer; "
              "cut the broker (60 s a 10-minute day) and the database, at seeded moments")
@click.option("--minutes", default=10.0, show_default=True, type=click.FloatRange(0.2, 600),
              help="real minutes the business day is played in")
@click.option("--broker-cut-seconds", type=click.FloatRange(1, 3600), default=None,
              help="length of the broker cut instead of 60 s scaled to the day")
@click.option("--db-cut-seconds", type=click.FloatRange(1, 3600), default=None,
              help="length of the database cut instead of 20 s scaled to the day")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="write the JSON report here")
@click.option("--chart", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="write an SVG of throughput and receipt lag with the faults marked")
@click.option("--pg-url", envvar="OPENDEPOSIT_SIM_PG", show_default=True,
              default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
              help="a PostgreSQL URL allowed to CREATE DATABASE (a fresh one is made and "
              "dropped) [env OPENDEPOSIT_SIM_PG]")
@click.option("--amqp-url", envvar="OPENDEPOSIT_SIM_AMQP", show_default=True,
              default="amqp://guest:guest@127.0.0.1:5672/",
              help="RabbitMQ (queues under a prefix of their own) [env OPENDEPOSIT_SIM_AMQP]")
@click.option("--api-workers", default=2, show_default=True, type=click.IntRange(1, 16))
@click.option("--esign-workers", default=2, show_default=True, type=click.IntRange(1, 16))
@click.option("--clients", default=16, show_default=True, type=click.IntRange(1, 256),
              help="concurrent HTTP requests of the simulated apps")
@click.option("--work-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="data directory and logs of the run (default /tmp/od_sim_SEED_PID)")
@click.option("--keep", is_flag=True, help="keep the database and broker queues afterwards")
def simulate(customers: int, seed: int, faults: bool, minutes: float,
             broker_cut_seconds: float | None, db_cut_seconds: float | None, report: Path | None,
             chart: Path | None, pg_url: str, amqp_url: str, api_workers: int,
             esign_workers: int, clients: int, work_dir: Path | None, keep: bool) -> None:
    """A simulated bank day on the production topology (`serve all` on PostgreSQL and
    RabbitMQ, sandbox outside parties): customers open accounts, top up, buy, withdraw early
    and withdraw over HTTP; 3-month deposits bought 92 days earlier mature at the day's EOD.
    At the end: ledger verify, balances equal the confirmed moves, one receipt per movement,
    no dead letters, no retry waiting for end of day. Exit 1 when a check fails."""
    from opendeposit.ops.simulate import Options, print_report
    from opendeposit.ops.simulate import simulate as run

    opts = Options(customers=customers, seed=seed, faults=faults, minutes=minutes,
                   report=report, pg_admin=pg_url, amqp_url=amqp_url, api_workers=api_workers,
                   esign_workers=esign_workers, clients=clients, work_dir=work_dir, keep=keep,
                   broker_cut_seconds=broker_cut_seconds, db_cut_seconds=db_cut_seconds,
                   echo=click.echo)
    result = asyncio.run(run(opts))
    print_report(result, click.echo)
    if chart:
        from opendeposit.ops.simchart import svg

        chart.write_text(svg(result))
        click.echo(f"chart: {chart}")
    sys.exit(0 if result["ok"] else 1)
