"""PostgreSQL's one-round-trip purchase: `deposit_purchase()`, applying what `service` decided."""

# The rules stay in Python: the service reads its context, checks everything, and computes every
# row (holding, ledger account, journal entry and its digest, receipt request, the 201 answer).
# `deposit_purchase()` only applies them atomically, in the same order as the Python steps:
# claim the idempotency key (already completed with the answer) → add to the customer's position
# under the cap → holding → its ledger account → `ledger_post()` → outbox row (the entry's chain
# hash spliced into the body) → quota LAST. Installed (CREATE OR REPLACE) by `opendeposit migrate`.

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import asyncpg

from opendeposit.db import Database
from opendeposit.deposits.records import RECEIPT_SERVICE, RECEIPT_TARGET
from opendeposit.deposits.retry import ATTEMPTS, is_retryable
from opendeposit.ledger import service as ledger
from opendeposit.ledger.domain import JournalEntry, chart_of
from opendeposit.ledger.pg import driver_connection, outbox_envelope, split_at_hash
from opendeposit.products.domain import AboveCustomerLimit, QuotaExceeded

ABOVE_CAP, QUOTA_SHORT = "OD001", "OD002"  # the function's own SQLSTATEs

DEPOSIT_PURCHASE_FN = """
CREATE OR REPLACE FUNCTION deposit_purchase(
  p_customer bigint, p_key text, p_operation text, p_req_hash text, p_status smallint,
  p_response text, p_now timestamptz, p_code text, p_amount bigint, p_cap bigint,
  p_home smallint, p_holding jsonb, p_acct_code text, p_acct_chart text, p_acct_name text,
  p_acct_non_negative boolean, p_chain smallint, p_kind text, p_date date, p_desc text,
  p_ref text, p_digest text, p_accounts text[], p_amounts bigint[], p_deltas bigint[],
  p_outbox jsonb, p_body_head text, p_body_tail text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_hash text; v_left bigint; v_need bigint; v_take bigint; r record;
BEGIN
  INSERT INTO idempotency_record (customer_id, key, operation, request_hash, state, status_code,
                                  response, created_at, completed_at)
    VALUES (p_customer, p_key, p_operation, p_req_hash, 'done', p_status, p_response, p_now,
            p_now)
    ON CONFLICT DO NOTHING;
  IF NOT FOUND THEN
    RETURN 'duplicate';
  END IF;
  INSERT INTO deposit_position AS d (customer_id, product_code, purchased)
    VALUES (p_customer, p_code, p_amount)
    ON CONFLICT (customer_id, product_code) DO UPDATE SET purchased = d.purchased + p_amount
    WHERE d.purchased + p_amount <= p_cap;
  IF NOT FOUND OR p_amount > p_cap THEN
    RAISE EXCEPTION 'above the per-customer cap' USING ERRCODE = 'OD001';
  END IF;
  INSERT INTO holding SELECT * FROM jsonb_populate_record(NULL::holding, p_holding);
  INSERT INTO ledger_account (code, chart_code, name, owner_id, non_negative, created_at)
    VALUES (p_acct_code, p_acct_chart, p_acct_name, (p_holding->>'id')::bigint,
            p_acct_non_negative, p_now);
  INSERT INTO ledger_balance (account_code, shard, balance, non_negative)
    VALUES (p_acct_code, p_chain, 0, p_acct_non_negative);
  SELECT l.hash INTO v_hash FROM ledger_post(p_chain, p_kind, p_date, p_desc, p_ref, p_digest,
                                             p_accounts, p_amounts, p_deltas, p_now) AS l;
  INSERT INTO esb_outbox (message_id, global_serial, service_code, source_system, target_system,
                          trace_id, schema_version, body, created_at, attempts, dead)
    SELECT o.message_id, o.global_serial, o.service_code, o.source_system, o.target_system,
           o.trace_id, o.schema_version, p_body_head || v_hash || p_body_tail, o.created_at,
           o.attempts, o.dead
      FROM jsonb_populate_record(NULL::esb_outbox, p_outbox) AS o;
  -- the quota LAST: its hot rows stay locked only until the commit that follows
  UPDATE product_quota_shard SET remaining = remaining - p_amount
    WHERE product_code = p_code AND shard = p_home AND remaining >= p_amount;
  IF FOUND THEN
    RETURN 'done';
  END IF;
  SELECT coalesce(sum(s.remaining), 0) INTO v_left FROM (
    SELECT q.remaining FROM product_quota_shard q WHERE q.product_code = p_code
     ORDER BY q.shard FOR UPDATE) AS s;
  IF v_left < p_amount THEN
    RAISE EXCEPTION 'quota left %', v_left USING ERRCODE = 'OD002';
  END IF;
  v_need := p_amount;
  FOR r IN SELECT q.shard, q.remaining FROM product_quota_shard q
            WHERE q.product_code = p_code ORDER BY q.shard LOOP
    EXIT WHEN v_need = 0;
    v_take := least(r.remaining, v_need);
    IF v_take > 0 THEN
      UPDATE product_quota_shard SET remaining = remaining - v_take
        WHERE product_code = p_code AND shard = r.shard;
      v_need := v_need - v_take;
    END IF;
  END LOOP;
  RETURN 'done';
END $$
"""

# The function's arguments in order: asyncpg infers each type from the (only) signature.
_ARGS = ("customer", "key", "operation", "req_hash", "status", "response", "now", "code",
         "amount", "cap", "home", "holding", "acct_code", "acct_chart", "acct_name",
         "acct_non_negative", "chain", "kind", "business_date", "description", "reference",
         "digest", "accounts", "amounts", "deltas", "outbox", "body_head", "body_tail")
_CALL = "SELECT deposit_purchase({})".format(", ".join(f"${i}" for i in range(1, 29)))


async def purchase(db: Database, *, customer_id: int, key: str, operation: str, req_hash: str,
                   answer: tuple[int, Mapping[str, Any]], code: str, amount: int, cap: int,
                   home_shard: int, holding: Mapping[str, Any], account_code: str,
                   account_name: str, chain: int, entry: JournalEntry,
                   receipt: Mapping[str, Any], now: datetime) -> bool:
    """Apply a checked purchase in one autocommit statement; False when a concurrent request
    already owns the idempotency key (nothing was written: replay its answer).

    Refusals raise the same errors as the Python steps: AboveCustomerLimit, InsufficientFunds
    (the balance CHECK), QuotaExceeded. Deadlocks and serialization failures are retried (the
    statement is atomic, so a retry starts from nothing)."""
    chart = chart_of(account_code)
    head, tail = split_at_hash(receipt)
    params = {
        "customer": customer_id, "key": key, "operation": operation, "req_hash": req_hash,
        "status": answer[0], "response": json.dumps(answer[1]), "now": now, "code": code,
        "amount": amount, "cap": cap, "home": home_shard,
        "holding": json.dumps(holding, default=str), "acct_code": account_code,
        "acct_chart": chart.code, "acct_name": account_name,
        "acct_non_negative": chart.non_negative, "chain": chain,
        **ledger.post_args(entry, chain=chain),
        "outbox": json.dumps(outbox_envelope(now, service_code=RECEIPT_SERVICE,
                                             target_system=RECEIPT_TARGET)),
        "body_head": head, "body_tail": tail,
    }
    args = [params[name] for name in _ARGS]
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with driver_connection(db) as driver:
                done = await driver.conn.fetchval(_CALL, *args) == "done"
                if done:
                    driver.outbox_written()
                return done
        except asyncpg.PostgresError as exc:
            if attempt < ATTEMPTS and is_retryable(exc):
                await asyncio.sleep(random.uniform(0.005, 0.02) * attempt)
                continue
            refusal = _refusal(exc, amount=amount, cap=cap)
            if refusal is None:
                raise
            raise refusal from exc
    raise AssertionError("unreachable")


def _refusal(exc: asyncpg.PostgresError, *, amount: int, cap: int) -> Exception | None:
    """The business error a failed call stands for (None: a database error, raise as is)."""
    if exc.sqlstate == ABOVE_CAP:
        return AboveCustomerLimit(details={"max_per_customer": cap})
    if exc.sqlstate == QUOTA_SHORT:
        left = re.search(r"quota left (\d+)", str(exc))
        return QuotaExceeded(details={"amount": amount,
                                      "quota_left": int(left.group(1)) if left else 0})
    if isinstance(exc, asyncpg.CheckViolationError) and \
            "balance_non_negative" in (exc.constraint_name or ""):
        return ledger.InsufficientFunds()
    return None
