"""The server-side half of PostgreSQL's plan applier: `apply_plan()` and `od_resolve()`.

`apply_plan(sql[], args[], expect[])` runs the statements `db/pg_apply.py` compiled from a
plan's steps, in order, inside the one autocommit call: each gets its own arguments ($1,
jsonb) and the values captured so far ($2, jsonb); a statement answers (row count, captured
jsonb). A statement is prepared the first time a session meets it (named by the hash of its
text, remembered in a session setting), so its plan is cached like a static statement's.
A row count other than the expected one raises SQLSTATE OD000 with the step number, so
the whole plan rolls back and Python maps the step to its refusal or abandonment. It holds no
business word: the statements are generic inserts, guarded updates and upserts generated from
the plan, and `ledger_append()` (ledger/pg.py) for postings.

`od_resolve(row, vars)` puts captured values into a row before it is cast to its table's type:
`{"$ref": name}` becomes the value, `{"$parts": [text, name, text, ...]}` the text with each
named value put in as JSON (a document that quotes an entry's chain hash, say).
Installed (CREATE OR REPLACE) by `opendeposit migrate`, as are the ledger's functions.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.ledger.pg import DROPPED_FUNCTIONS, LEDGER_APPEND_FN

APPLY_PLAN_FN = r"""
CREATE OR REPLACE FUNCTION apply_plan(p_sql text[], p_args text[], p_expect int[])
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_vars jsonb := '{}';
  v_n int;
  v_out jsonb;
  v_name text;
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_sql, 1), 0) LOOP
    -- each statement is prepared once per session (its plan cached), then executed
    v_name := 'od_' || md5(p_sql[i]);
    IF current_setting('od.' || v_name, true) IS DISTINCT FROM 'y' THEN
      -- a setting made by a transaction that rolled back is gone, a prepared statement is not
      IF NOT EXISTS (SELECT 1 FROM pg_prepared_statements s WHERE s.name = v_name) THEN
        EXECUTE format('PREPARE %I(jsonb, jsonb) AS %s', v_name, p_sql[i]);
      END IF;
      PERFORM set_config('od.' || v_name, 'y', false);
    END IF;
    EXECUTE format('EXECUTE %I(%L, %L)', v_name, p_args[i], v_vars) INTO v_n, v_out;
    IF p_expect[i] IS NOT NULL AND v_n IS DISTINCT FROM p_expect[i] THEN
      RAISE EXCEPTION 'plan step % missed its guard', i - 1
        USING ERRCODE = 'OD000', DETAIL = (i - 1)::text;
    END IF;
    IF v_out IS NOT NULL THEN
      v_vars := v_vars || v_out;
    END IF;
  END LOOP;
  RETURN v_vars;
END $$
"""

OD_RESOLVE_FN = r"""
CREATE OR REPLACE FUNCTION od_resolve(p_row jsonb, p_vars jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_object_agg(e.k, CASE
      WHEN jsonb_typeof(e.v) <> 'object' THEN e.v
      WHEN e.v ? '$ref' THEN p_vars -> (e.v ->> '$ref')
      ELSE to_jsonb((SELECT string_agg(CASE WHEN x.i % 2 = 1 THEN x.part #>> '{}'
                                            ELSE (p_vars -> (x.part #>> '{}'))::text END,
                                       '' ORDER BY x.i)
                       FROM jsonb_array_elements(e.v -> '$parts') WITH ORDINALITY AS x(part, i)))
    END), '{}'::jsonb)
  FROM jsonb_each(p_row) AS e(k, v)
$$
"""

FUNCTIONS = (OD_RESOLVE_FN, LEDGER_APPEND_FN, APPLY_PLAN_FN)


async def install(conn: AsyncConnection) -> None:
    """Create (or replace) the applier's functions; drop the first wave's one-call functions."""
    for name in DROPPED_FUNCTIONS:
        await conn.execute(text(f"DROP FUNCTION IF EXISTS {name}"))
    for function in FUNCTIONS:
        await conn.execute(text(function))
