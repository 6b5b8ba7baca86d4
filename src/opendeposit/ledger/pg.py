"""PostgreSQL's one-round-trip posting: the same steps as `service.post`, done server-side.

The rules stay in Python (which accounts, which amounts, the entry's content digest); this
function only appends what it is given: link the digest into the chain, move the balances (in
account-code order, so concurrent entries lock rows in one order), write postings and entry.
Installed (CREATE OR REPLACE) by `opendeposit migrate`, like reference data.
"""

from __future__ import annotations

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
