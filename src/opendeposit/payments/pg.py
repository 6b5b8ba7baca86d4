"""PostgreSQL's one-round-trip payment steps: `payment_open()` and `payment_settle()`."""

# `service` decides everything (the order row, which entry to post, the receipt request, the
# answer); `payment_open()` claims the idempotency key, posts a withdrawal's hold through
# `ledger_post()` and writes the order; `payment_settle()` moves the order out of its open state
# (or reports it settled already), posts the entry, writes the receipt request with the entry's
# hash and completes the idempotency record with the answer. Installed by `opendeposit migrate`.

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from opendeposit.db import Database
from opendeposit.ledger import service as ledger
from opendeposit.ledger.domain import JournalEntry
from opendeposit.ledger.pg import driver_connection, outbox_envelope, split_at_hash

PAYMENT_OPEN_FN = """
CREATE OR REPLACE FUNCTION payment_open(
  p_customer bigint, p_key text, p_operation text, p_req_hash text, p_now timestamptz,
  p_order jsonb, p_chain smallint, p_kind text, p_date date, p_desc text, p_ref text,
  p_digest text, p_accounts text[], p_amounts bigint[], p_deltas bigint[], p_balance_of text)
RETURNS TABLE(order_id bigint, balance bigint, entry_hash text)
LANGUAGE plpgsql AS $$
DECLARE v_id bigint; v_bal bigint; v_hash text;
BEGIN
  INSERT INTO idempotency_record (customer_id, key, operation, request_hash, state, created_at)
    VALUES (p_customer, p_key, p_operation, p_req_hash, 'pending', p_now)
    ON CONFLICT DO NOTHING;
  IF NOT FOUND THEN  -- a concurrent duplicate owns the key
    RETURN QUERY SELECT NULL::bigint, NULL::bigint, NULL::text;
    RETURN;
  END IF;
  IF p_kind IS NOT NULL THEN
    SELECT l.hash, l.balances[array_position(l.accounts, p_balance_of)] INTO v_hash, v_bal
      FROM ledger_post(p_chain, p_kind, p_date, p_desc, p_ref, p_digest, p_accounts, p_amounts,
                       p_deltas, p_now) AS l;
  END IF;
  INSERT INTO payment_order (order_no, account_id, customer_id, bound_card_id, direction,
                             amount, status, idempotency_key, business_date, entry_hash,
                             created_at, updated_at)
    SELECT o.order_no, o.account_id, o.customer_id, o.bound_card_id, o.direction, o.amount,
           o.status, o.idempotency_key, o.business_date, v_hash, o.created_at, o.updated_at
      FROM jsonb_populate_record(NULL::payment_order, p_order) AS o
    RETURNING id INTO v_id;
  RETURN QUERY SELECT v_id, v_bal, v_hash;
END $$
"""

PAYMENT_SETTLE_FN = """
CREATE OR REPLACE FUNCTION payment_settle(
  p_order bigint, p_status text, p_network_ref text, p_failure_code text, p_now timestamptz,
  p_chain smallint, p_kind text, p_date date, p_desc text, p_ref text, p_digest text,
  p_accounts text[], p_amounts bigint[], p_deltas bigint[], p_balance_of text,
  p_take_hash boolean, p_outbox jsonb, p_body_head text, p_body_tail text, p_customer bigint,
  p_key text, p_status_code smallint, p_answer_head text, p_answer_tail text)
RETURNS TABLE(settled boolean, balance bigint, entry_hash text)
LANGUAGE plpgsql AS $$
DECLARE v_old text; v_hash text; v_entry text; v_bal bigint; v_answer text;
BEGIN
  UPDATE payment_order SET status = p_status, network_ref = p_network_ref,
         failure_code = p_failure_code, updated_at = p_now
   WHERE id = p_order AND status IN ('initiated', 'pending')
  RETURNING payment_order.entry_hash INTO v_old;
  IF NOT FOUND THEN  -- settled meanwhile (reconciliation and a late answer, say)
    RETURN QUERY SELECT false, NULL::bigint, NULL::text;
    RETURN;
  END IF;
  v_hash := v_old;
  IF p_kind IS NOT NULL THEN
    SELECT l.hash, l.balances[array_position(l.accounts, p_balance_of)] INTO v_entry, v_bal
      FROM ledger_post(p_chain, p_kind, p_date, p_desc, p_ref, p_digest, p_accounts, p_amounts,
                       p_deltas, p_now) AS l;
    IF p_take_hash THEN
      v_hash := v_entry;
    END IF;
  END IF;
  IF p_outbox IS NOT NULL THEN
    INSERT INTO esb_outbox (message_id, global_serial, service_code, source_system,
                            target_system, trace_id, schema_version, body, created_at, attempts,
                            dead)
      SELECT o.message_id, o.global_serial, o.service_code, o.source_system, o.target_system,
             o.trace_id, o.schema_version, p_body_head || v_hash || p_body_tail, o.created_at,
             o.attempts, o.dead
        FROM jsonb_populate_record(NULL::esb_outbox, p_outbox) AS o;
  END IF;
  IF v_hash IS DISTINCT FROM v_old THEN
    UPDATE payment_order SET entry_hash = v_hash WHERE id = p_order;
  END IF;
  v_answer := p_answer_head;
  IF p_answer_tail IS NOT NULL THEN  -- the answer shows the balance this entry left
    v_answer := v_answer || CASE WHEN v_bal < 0 THEN '-' ELSE '' END || (abs(v_bal) / 100)::text
                || '.' || lpad((abs(v_bal) % 100)::text, 2, '0') || p_answer_tail;
  END IF;
  UPDATE idempotency_record SET state = 'done', status_code = p_status_code,
         response = v_answer, completed_at = p_now
   WHERE customer_id = p_customer AND key = p_key;
  RETURN QUERY SELECT true, v_bal, v_hash;
END $$
"""

FUNCTIONS = (PAYMENT_OPEN_FN, PAYMENT_SETTLE_FN)

_OPEN = "SELECT order_id, balance, entry_hash FROM payment_open({})".format(
    ", ".join(f"${i}" for i in range(1, 17)))
_SETTLE = "SELECT settled, balance, entry_hash FROM payment_settle({})".format(
    ", ".join(f"${i}" for i in range(1, 25)))
_NO_ENTRY = (None,) * 9  # chain, kind, date, description, reference, digest, 3 arrays
BALANCE_SLOT = "\x00balance\x00"  # where the database writes the balance into the answer
RECEIPT_SERVICE = "ESIGN.RECEIPT.ISSUE"


@dataclass(frozen=True)
class Opened:
    order_id: int
    balance: int | None  # the customer's balance after the hold (withdrawals)
    entry_hash: str | None


def _entry_args(entry: JournalEntry | None, chain: int) -> tuple[Any, ...]:
    if entry is None:
        return _NO_ENTRY
    a = ledger.post_args(entry, chain=chain)
    return (chain, a["kind"], a["business_date"], a["description"], a["reference"],
            a["digest"], a["accounts"], a["amounts"], a["deltas"])


async def open_order(db: Database, *, customer_id: int, key: str, operation: str,
                     req_hash: str, order: Mapping[str, Any], hold: JournalEntry | None,
                     chain: int, balance_of: str, now: datetime) -> Opened | None:
    """Claim the key, post the hold (if any) and write the order, in one autocommit call; None
    when a concurrent request owns the key. A hold beyond the balance is InsufficientFunds."""
    try:
        async with driver_connection(db) as driver:
            row = await driver.conn.fetchrow(
                _OPEN, customer_id, key, operation, req_hash, now,
                json.dumps(order, default=str), *_entry_args(hold, chain), balance_of)
    except asyncpg.CheckViolationError as exc:
        if "balance_non_negative" in (exc.constraint_name or ""):
            raise ledger.InsufficientFunds() from exc
        raise
    if row["order_id"] is None:
        return None
    return Opened(row["order_id"], row["balance"], row["entry_hash"])


@dataclass(frozen=True)
class Settled:
    balance: int | None  # the customer's balance after the entry, where it touched it
    entry_hash: str | None


async def settle(db: Database, *, order_id: int, status: str, network_ref: str | None,
                 failure_code: str | None, entry: JournalEntry | None, chain: int,
                 balance_of: str, take_hash: bool, receipt: Mapping[str, Any] | None,
                 customer_id: int, key: str, answer: tuple[int, Mapping[str, Any]],
                 now: datetime) -> Settled | None:
    """Settle an open order in one autocommit call; None when it was settled already. The
    answer's body may hold BALANCE_SLOT as a value: the database puts the balance there."""
    head, tail = (None, None) if receipt is None else split_at_hash(receipt)
    envelope = None if receipt is None else json.dumps(outbox_envelope(
        now, service_code=RECEIPT_SERVICE, target_system="ESIGN"))
    answer_text = json.dumps(answer[1])
    slot = json.dumps(BALANCE_SLOT)
    if slot in answer_text:
        answer_head, answer_tail = answer_text.split(slot)
        answer_head, answer_tail = answer_head + '"', '"' + answer_tail
    else:
        answer_head, answer_tail = answer_text, None
    async with driver_connection(db) as driver:
        row = await driver.conn.fetchrow(
            _SETTLE, order_id, status, network_ref, failure_code, now,
            *_entry_args(entry, chain), balance_of, take_hash, envelope, head, tail,
            customer_id, key, answer[0], answer_head, answer_tail)
        if row["settled"] and receipt is not None:
            driver.outbox_written()
    if not row["settled"]:
        return None
    return Settled(row["balance"], row["entry_hash"])
