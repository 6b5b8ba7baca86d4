"""`opendeposit simulate` in small: 20 customers, a 30-second day, every fault (kill -9 of an
API worker, the relay and a signer; the broker and the database cut through the simulator's
proxies) on PostgreSQL and RabbitMQ — and every end-of-day check passes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN, pg_skip_reason, run_sync

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]
BROKER = os.environ.get("OPENDEPOSIT_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672/")


async def _broker_reason() -> str | None:
    import aio_pika

    try:
        connection = await aio_pika.connect(BROKER, timeout=3)
        await connection.close()
        return None
    except Exception as exc:
        return f"RabbitMQ not reachable at {BROKER}: {type(exc).__name__}: {exc}"


def test_a_small_simulated_day_with_every_fault_passes_every_check(tmp_path: Path) -> None:
    for reason in (pg_skip_reason(), run_sync(_broker_reason())):
        if reason:
            pytest.skip(str(reason))
    report = tmp_path / "report.json"
    chart = tmp_path / "day.svg"
    env = {**os.environ, "OPENDEPOSIT_SIM_PG": PG_ADMIN, "OPENDEPOSIT_SIM_AMQP": BROKER}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    done = subprocess.run(
        [sys.executable, "-m", "opendeposit.cli", "simulate", "--customers", "20", "--seed", "5",
         "--minutes", "0.5", "--faults", "--report", str(report), "--chart", str(chart),
         "--work-dir", str(tmp_path / "work")],
        env=env, capture_output=True, text=True, timeout=400)
    out = done.stdout + done.stderr
    assert report.exists(), out[-3000:]
    result = json.loads(report.read_text())
    failed = [c for c in result["checks"] if not c["ok"]]
    assert failed == [], out[-3000:]
    assert done.returncode == 0 and "simulation PASSED" in done.stdout
    assert {c["name"] for c in result["checks"]} == {
        "end of day", "ledger verify", "balances equal confirmed moves",
        "one receipt per movement", "no dead letters", "no retry waited for end of day"}
    assert sorted(f["kind"] for f in result["faults"]) == sorted(
        ["api_worker_kill", "relay_kill", "signer_kill", "broker_cut", "db_cut"])
    assert all(f["recovery_seconds"] is not None for f in result["faults"]), result["faults"]
    kills = [f for f in result["faults"] if f["kind"].endswith("_kill")]
    assert all(f["target_pid"] and f["replaced"] for f in kills)  # the supervisor restarted them
    moves = result["moves"]
    assert moves["confirmed"] >= 40 and moves["maturing_holdings"] > 0
    receipts = next(c for c in result["checks"] if c["name"] == "one receipt per movement")
    assert receipts["detail"]["requests"] >= moves["confirmed"]
    assert chart.read_text().startswith("<svg")
