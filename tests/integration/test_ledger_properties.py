"""Hypothesis: random sequences of top-ups, withdrawals and card failures keep every invariant —
entries sum to zero, balances equal the re-derived ones, no customer balance below zero, the
chains verify, and the model of money on both sides matches the platform exactly."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendeposit.bootstrap import build_platform
from opendeposit.config import load_settings
from opendeposit.errors import OpenDepositError
from opendeposit.ledger.service import verify
from opendeposit.payments import service as payments
from tests.conftest import _reset_pg, run_sync
from tests.helpers import (
    PIN,
    allow_volume,
    demand_balance,
    ledger_state,
    open_customer,
    payment_ports,
    reconcile_ports,
)

MODES = ["none", "none", "none", "frozen", "decline", "timeout", "timeout_fail"]
ops = st.lists(st.tuples(st.sampled_from(["top_up", "withdraw", "reconcile"]),
                         st.integers(min_value=1, max_value=300_00),
                         st.sampled_from(MODES)), min_size=1, max_size=12)


async def _run(url: str, data_dir: Path, sequence: list[tuple[str, int, str]]) -> None:
    p = build_platform(load_settings(data_dir=data_dir, database_url=url, env="sandbox"))
    try:
        await allow_volume(p)  # up to 12 moves in a second: a ledger property, not fraud
        c = await open_customer(p, card_balance=200_000_00)
        cards = p.sandbox["cards"]
        for i, (op, amount, mode) in enumerate(sequence):
            await cards.set_failure_mode(c.card_number, mode)
            if op == "reconcile":
                await cards.set_failure_mode(c.card_number, "none")
                await payments.reconcile(**reconcile_ports(p), older_than=timedelta(0))
                continue
            before = await demand_balance(p, c)
            move = payments.top_up if op == "top_up" else payments.withdraw
            try:
                answer = await move(**payment_ports(p), customer_id=c.customer_id,
                                    amount=amount, pin=PIN, idempotency_key=f"k{i}")
            except OpenDepositError as exc:
                assert exc.code == "INSUFFICIENT_FUNDS" and op == "withdraw"
                assert amount > before
                continue
            after = await demand_balance(p, c)
            assert after >= 0
            if answer.status_code == 200:
                assert after == before + (amount if op == "top_up" else -amount)
            elif op == "top_up":  # failed or pending: nothing credited yet
                assert after == before
            else:  # a pending withdrawal holds the money; a failed one gave it back
                assert after == (before - amount if answer.status_code == 202 else before)
        await cards.set_failure_mode(c.card_number, "none")
        await payments.reconcile(**reconcile_ports(p), older_than=timedelta(0))
        # conservation: what left the card is exactly what the account holds now
        card_now = await cards.card_balance(c.card_number)
        assert 200_000_00 - card_now == await demand_balance(p, c)
        async with p.db.read() as conn:
            report = await verify(conn)
        assert report.ok, report.problems
        entries, postings, balances = await ledger_state(p)
        assert postings == 2 * entries
        assert sum(v for (code, _), v in balances.items() if code.startswith("2011")) >= 0
    finally:
        await p.db.dispose()


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=ops)
def test_random_money_movements_keep_the_ledger_whole_sqlite(sequence, sqlite_template: Path,
                                                            tmp_path_factory) -> None:
    d = tmp_path_factory.mktemp("hyp")
    shutil.copy(sqlite_template, d / "od.sqlite3")
    run_sync(_run(f"sqlite+aiosqlite:///{d / 'od.sqlite3'}", d, sequence))


@pytest.mark.postgres
@settings(max_examples=12, deadline=None)
@given(sequence=ops)
def test_random_money_movements_keep_the_ledger_whole_postgres(sequence, pg_url: str,
                                                              tmp_path_factory) -> None:
    run_sync(_reset_pg(pg_url))
    run_sync(_run(pg_url, tmp_path_factory.mktemp("hyp"), sequence))
