"""PostgreSQL's hash-chain append, `ledger_append()`: the one piece of ledger work that must run
in the database, because each link is computed under the chain-head lock.

It knows no business rule: it appends the entries it is given (content digests computed in
Python by `ledger.domain.content_digest`), in order — open the new accounts' balance rows, lock
the chain head, link each digest into the chain, move the balance rows in one statement (the
head lock orders every writer of them), write the postings with the balance after their entry and
the entries. A non-negative account below zero after any entry fails the CHECK (SQLSTATE
23514, constraint `balance_non_negative`). The plan applier (`db/pg_apply.py`) calls it for a
`Post` step; SQLite runs the same steps from `db/sqlite_apply.py`. Installed (CREATE OR
REPLACE) by `opendeposit migrate`.
"""

from __future__ import annotations

LEDGER_APPEND_FN = r"""
CREATE OR REPLACE FUNCTION ledger_append(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_chain smallint := (p->>'chain')::smallint;
  v_name text := p->>'name';
  v_now timestamptz := (p->>'now')::timestamptz;
  v_entries jsonb := p->'entries';
  v_n int := jsonb_array_length(p->'entries');
  v_seq bigint; v_head text; v_prev text; v_moved bigint;
  v_hashes text[] := '{}'; v_accts text[] := '{}'; v_bals bigint[] := '{}';
  v_missing text;
BEGIN
  IF jsonb_array_length(p->'open') > 0 THEN
    INSERT INTO ledger_account (code, chart_code, name, owner_id, non_negative, created_at)
      SELECT a.code, a.chart_code, a.name, a.owner_id, a.non_negative, v_now
        FROM jsonb_to_recordset(p->'open')
             AS a(code text, chart_code text, name text, owner_id bigint, non_negative boolean);
    INSERT INTO ledger_balance (account_code, shard, balance, non_negative)
      SELECT a.code, v_chain, 0, a.non_negative
        FROM jsonb_to_recordset(p->'open') AS a(code text, non_negative boolean);
  END IF;
  SELECT c.seq, c.head_hash INTO v_seq, v_head
    FROM ledger_chain c WHERE c.chain = v_chain FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no ledger chain %', v_chain USING ERRCODE = 'P0002';
  END IF;
  v_prev := v_head;
  FOR i IN 0 .. v_n - 1 LOOP
    v_prev := encode(sha256(convert_to(v_prev || E'\n' || (v_entries->i->>'digest'), 'UTF8')),
                     'hex');
    v_hashes := v_hashes || v_prev;
  END LOOP;
  UPDATE ledger_chain c SET seq = v_seq + v_n, head_hash = v_prev WHERE c.chain = v_chain;
  -- every balance row moved by one statement (the chain head lock, taken above, orders every
  -- writer of the chain's balance rows: only this function moves them)
  WITH d AS (SELECT l.v->>0 AS a, sum((l.v->>2)::bigint)::bigint AS d
               FROM jsonb_array_elements(v_entries) AS e(v),
                    jsonb_array_elements(e.v->'postings') AS l(v)
              GROUP BY 1),
       u AS (UPDATE ledger_balance b SET balance = b.balance + d.d FROM d
              WHERE b.account_code = d.a AND b.shard = v_chain
              RETURNING b.account_code AS a, b.balance)
  SELECT (SELECT count(*) FROM d), coalesce(array_agg(u.a ORDER BY u.a), '{}'),
         coalesce(array_agg(u.balance ORDER BY u.a), '{}')
    INTO v_moved, v_accts, v_bals FROM u;
  IF cardinality(v_accts) <> v_moved THEN
    SELECT min(l.v->>0) INTO v_missing
      FROM jsonb_array_elements(v_entries) AS e(v),
           jsonb_array_elements(e.v->'postings') AS l(v)
     WHERE NOT (l.v->>0 = ANY (v_accts));
    RAISE EXCEPTION 'no balance row for % in shard %', v_missing, v_chain USING ERRCODE = 'P0002';
  END IF;
  -- a line's balance_after: the account's balance after its entry, i.e. the final balance less
  -- the moves of the entries after it
  INSERT INTO posting (chain, seq, line, account_code, amount, balance_after)
    SELECT v_chain, v_seq + t.i, (t.j - 1)::smallint, t.a, t.amt,
           f.bal - coalesce(sum(t.d) OVER (PARTITION BY t.a ORDER BY t.i
                                           RANGE BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING), 0)
      FROM (SELECT e.i::bigint AS i, l.j, l.v->>0 AS a, (l.v->>1)::bigint AS amt,
                   (l.v->>2)::bigint AS d
              FROM jsonb_array_elements(v_entries) WITH ORDINALITY AS e(v, i),
                   jsonb_array_elements(e.v->'postings') WITH ORDINALITY AS l(v, j)) AS t
      JOIN unnest(v_accts, v_bals) AS f(a, bal) ON f.a = t.a;
  IF v_n > 1 AND EXISTS (
      SELECT 1 FROM posting x JOIN ledger_balance b
          ON b.account_code = x.account_code AND b.shard = v_chain
       WHERE x.chain = v_chain AND x.seq > v_seq AND x.seq <= v_seq + v_n
         AND b.non_negative AND x.balance_after < 0) THEN
    RAISE EXCEPTION 'a balance would go below zero' USING ERRCODE = '23514',
      CONSTRAINT = 'balance_non_negative';
  END IF;
  INSERT INTO journal_entry (chain, seq, kind, business_date, description, reference,
                             prev_hash, hash, created_at)
    SELECT v_chain, v_seq + e.i, e.v->>'kind', (e.v->>'business_date')::date,
           e.v->>'description', e.v->>'reference',
           CASE WHEN e.i = 1 THEN v_head ELSE v_hashes[e.i - 1] END, v_hashes[e.i], v_now
      FROM jsonb_array_elements(v_entries) WITH ORDINALITY AS e(v, i);
  RETURN jsonb_build_object(v_name || '.seq', v_seq + 1)
    || (SELECT jsonb_object_agg(v_name || '#' || (h.i - 1), h.hash)
          FROM unnest(v_hashes) WITH ORDINALITY AS h(hash, i))
    || (SELECT jsonb_object_agg(v_name || '@' || f.a, f.bal)
          FROM unnest(v_accts, v_bals) AS f(a, bal));
END $$
"""

# What replaced the one-call functions of the first wave (they held copies of business rules).
DROPPED_FUNCTIONS = (
    "ledger_post(smallint, text, date, text, text, text, text[], bigint[], bigint[], "
    "timestamptz)",
    "deposit_purchase(bigint, text, text, text, smallint, text, timestamptz, text, bigint, "
    "bigint, smallint, jsonb, text, text, text, boolean, smallint, text, date, text, text, "
    "text, text[], bigint[], bigint[], jsonb, text, text)",
    "payment_open(bigint, text, text, text, timestamptz, jsonb, smallint, text, date, text, "
    "text, text, text[], bigint[], bigint[], text)",
    "payment_settle(bigint, text, text, text, timestamptz, smallint, text, date, text, text, "
    "text, text[], bigint[], bigint[], text, boolean, jsonb, text, text, bigint, text, "
    "smallint, text, text)",
)
