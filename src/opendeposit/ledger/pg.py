"""PostgreSQL's one-round-trip posting: the same steps as `service.post`, done server-side.

The rules stay in Python (which accounts, which amounts, the entry's content digest); this
function only appends what it is given: link the digest into the chain, move the balances (in
account-code order, so concurrent entries lock rows in one order), write postings and entry.
Installed (CREATE OR REPLACE) by `opendeposit migrate`, like reference data.

Also what the one-call paths built on it share (deposits/pg.py, payments/pg.py): the asyncpg
connection straight from the pool, Core statements compiled once for it, and the outbox row's
envelope and body as `esb.outbox.enqueue` would write them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy.util import greenlet_spawn

from opendeposit.db import Database

LEDGER_POST_FN = """
CREATE OR REPLACE FUNCTION ledger_post(
  p_chain smallint, p_kind text, p_date date, p_desc text, p_ref text, p_digest text,
  p_accounts text[], p_amounts bigint[], p_deltas bigint[], p_now timestamptz)
RETURNS TABLE(seq bigint, hash text, accounts text[], balances bigint[])
LANGUAGE plpgsql AS $$
DECLARE
  v_seq bigint; v_prev text; v_hash text; v_bal bigint;
  v_accts text[] := '{}'; v_bals bigint[] := '{}'; r record;
BEGIN
  SELECT c.seq + 1, c.head_hash INTO v_seq, v_prev
    FROM ledger_chain c WHERE c.chain = p_chain FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no ledger chain %', p_chain USING ERRCODE = 'P0002';
  END IF;
  v_hash := encode(sha256(convert_to(v_prev || E'\\n' || p_digest, 'UTF8')), 'hex');
  UPDATE ledger_chain c SET seq = v_seq, head_hash = v_hash WHERE c.chain = p_chain;
  FOR r IN SELECT t.a, sum(t.d)::bigint AS d FROM unnest(p_accounts, p_deltas) AS t(a, d)
           GROUP BY t.a ORDER BY t.a LOOP
    UPDATE ledger_balance b SET balance = b.balance + r.d
      WHERE b.account_code = r.a AND b.shard = p_chain RETURNING b.balance INTO v_bal;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'no balance row for % in shard %', r.a, p_chain USING ERRCODE = 'P0002';
    END IF;
    v_accts := v_accts || r.a;
    v_bals := v_bals || v_bal;
  END LOOP;
  INSERT INTO posting (chain, seq, line, account_code, amount, balance_after)
    SELECT p_chain, v_seq, (t.i - 1)::smallint, t.a, t.amt, v_bals[array_position(v_accts, t.a)]
      FROM unnest(p_accounts, p_amounts) WITH ORDINALITY AS t(a, amt, i);
  INSERT INTO journal_entry (chain, seq, kind, business_date, description, reference,
                             prev_hash, hash, created_at)
    VALUES (p_chain, v_seq, p_kind, p_date, p_desc, p_ref, v_prev, v_hash, p_now);
  RETURN QUERY SELECT v_seq, v_hash, v_accts, v_bals;
END $$
"""

CALL_LEDGER_POST = (
    "SELECT seq, hash, accounts, balances FROM ledger_post(CAST(:chain AS smallint), :kind, "
    ":business_date, :description, :reference, :digest, CAST(:accounts AS text[]), "
    "CAST(:amounts AS bigint[]), CAST(:deltas AS bigint[]), :now)"
)


class Driver:
    """An asyncpg connection on loan from the engine's pool (see `driver_connection`)."""

    def __init__(self, fairy: Any) -> None:
        self.conn: asyncpg.Connection = fairy.driver_connection
        self._fairy = fairy

    def outbox_written(self) -> None:
        """The statement just committed wrote an outbox row: the embedded relay is nudged when
        the connection goes back to the pool, as after a SQLAlchemy commit (`esb.store`)."""
        from opendeposit.esb.store import _COMMITTED_KEY  # the relay's after-commit marker

        self._fairy.info[_COMMITTED_KEY] = True


@asynccontextmanager
async def driver_connection(db: Database) -> AsyncIterator[Driver]:
    """The asyncpg connection itself, checked out of the engine's pool without SQLAlchemy's
    `Connection` around it, for the few hot one-round-trip statements: on a 2-core machine the
    `Connection` set-up, execution context and tear-down cost several times the CPU of the
    statement. asyncpg runs each statement in its own transaction (autocommit)."""
    fairy = await db.engine.raw_connection()
    try:
        yield Driver(fairy)
    except BaseException as exc:
        if not isinstance(exc, asyncpg.PostgresError):  # cancelled, connection lost: state unknown
            await greenlet_spawn(fairy.invalidate, exc)  # (invalidating checks it back in)
            raise
        await greenlet_spawn(fairy.close)
        raise
    await greenlet_spawn(fairy.close)  # an overflow connection is closed: needs the greenlet


_HASH_SLOT = '"ledger_entry_hash": "'


def split_at_hash(body: Mapping[str, Any]) -> tuple[str, str]:
    """An outbox body as `esb.outbox.enqueue` serialises it, cut where the entry's chain hash
    goes (the hash is known only once `ledger_post()` linked the entry, inside the function).
    A key is followed by `": "` only outside string values (quotes inside values are escaped),
    so the cut is unambiguous."""
    text = json.dumps({**body, "ledger_entry_hash": ""}, ensure_ascii=False, sort_keys=True)
    cut = text.index(_HASH_SLOT) + len(_HASH_SLOT)
    return text[:cut], text[cut:]


def outbox_envelope(now: datetime, *, service_code: str, target_system: str) -> dict[str, Any]:
    """The envelope columns `esb.outbox.enqueue` writes for a message (the body aside), for a
    function that writes the outbox row itself."""
    from opendeposit.esb import outbox  # late: esb imports the database layer only
    from opendeposit.observability.context import current_trace_id

    return {"message_id": str(uuid.uuid4()), "global_serial": outbox.global_serial(now),
            "service_code": service_code, "source_system": outbox.SOURCE_SYSTEM,
            "target_system": target_system,
            "trace_id": current_trace_id() or uuid.uuid4().hex,
            "schema_version": 1, "created_at": now.isoformat(), "attempts": 0, "dead": 0}


class DriverStatement:
    """A Core statement compiled once for asyncpg: its SQL ($n placeholders) and how to order
    the parameters (literals of the statement included), so the hot path skips compilation."""

    def __init__(self, stmt: Any) -> None:
        from sqlalchemy.dialects.postgresql import asyncpg as dialect

        compiled = stmt.compile(dialect=dialect.dialect())
        self.sql: str = compiled.string
        self._names: list[str] = list(compiled.positiontup or ())
        self._literals: dict[str, Any] = dict(compiled.params)

    def args(self, **params: Any) -> list[Any]:
        values = {**self._literals, **params}
        return [values[name] for name in self._names]


class AttrRow(dict[str, Any]):
    """An asyncpg record with attribute access, as services read SQLAlchemy rows."""

    __getattr__ = dict.__getitem__
