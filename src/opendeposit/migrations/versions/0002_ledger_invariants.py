"""Ledger invariants enforced by the database as well as the domain.

PostgreSQL: deferred constraint triggers check at commit that every journal entry has at least
two postings summing to zero; postings and entries are append-only.
SQLite (no deferred triggers): postings are written first and the entry last; a trigger on the
entry insert checks the sum, a trigger on posting insert refuses additions to a sealed entry,
and the deferred foreign key makes postings without an entry fail at commit.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PG_UP = [
    """
    CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE n integer; total bigint;
    BEGIN
      SELECT count(*), coalesce(sum(amount), 0) INTO n, total
        FROM posting WHERE chain = NEW.chain AND seq = NEW.seq;
      IF n < 2 OR total <> 0 THEN
        RAISE EXCEPTION 'unbalanced journal entry %/%: % postings, sum %',
          NEW.chain, NEW.seq, n, total USING ERRCODE = '23514';
      END IF;
      RETURN NULL;
    END $$
    """,
    """
    CREATE CONSTRAINT TRIGGER journal_entry_balanced AFTER INSERT ON journal_entry
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
      EXECUTE FUNCTION ledger_check_entry_balanced()
    """,
    """
    CREATE CONSTRAINT TRIGGER posting_balanced AFTER INSERT ON posting
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
      EXECUTE FUNCTION ledger_check_entry_balanced()
    """,
    """
    CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = '23514';
    END $$
    """,
    """
    CREATE TRIGGER posting_append_only BEFORE UPDATE OR DELETE ON posting
      FOR EACH ROW EXECUTE FUNCTION ledger_append_only()
    """,
    """
    CREATE TRIGGER journal_entry_append_only BEFORE UPDATE OR DELETE ON journal_entry
      FOR EACH ROW EXECUTE FUNCTION ledger_append_only()
    """,
]

PG_DOWN = [
    "DROP TRIGGER IF EXISTS journal_entry_append_only ON journal_entry",
    "DROP TRIGGER IF EXISTS posting_append_only ON posting",
    "DROP TRIGGER IF EXISTS posting_balanced ON posting",
    "DROP TRIGGER IF EXISTS journal_entry_balanced ON journal_entry",
    "DROP FUNCTION IF EXISTS ledger_append_only()",
    "DROP FUNCTION IF EXISTS ledger_check_entry_balanced()",
]

SQLITE_UP = [
    """
    CREATE TRIGGER journal_entry_balanced BEFORE INSERT ON journal_entry
    WHEN (SELECT count(*) FROM posting WHERE chain = NEW.chain AND seq = NEW.seq) < 2
      OR (SELECT coalesce(sum(amount), 0) FROM posting
          WHERE chain = NEW.chain AND seq = NEW.seq) <> 0
    BEGIN SELECT RAISE(ABORT, 'unbalanced journal entry'); END
    """,
    """
    CREATE TRIGGER posting_entry_sealed BEFORE INSERT ON posting
    WHEN EXISTS (SELECT 1 FROM journal_entry WHERE chain = NEW.chain AND seq = NEW.seq)
    BEGIN SELECT RAISE(ABORT, 'journal entry is sealed'); END
    """,
    """
    CREATE TRIGGER posting_no_update BEFORE UPDATE ON posting
    BEGIN SELECT RAISE(ABORT, 'posting is append-only'); END
    """,
    """
    CREATE TRIGGER posting_no_delete BEFORE DELETE ON posting
    BEGIN SELECT RAISE(ABORT, 'posting is append-only'); END
    """,
    """
    CREATE TRIGGER journal_entry_no_update BEFORE UPDATE ON journal_entry
    BEGIN SELECT RAISE(ABORT, 'journal_entry is append-only'); END
    """,
    """
    CREATE TRIGGER journal_entry_no_delete BEFORE DELETE ON journal_entry
    BEGIN SELECT RAISE(ABORT, 'journal_entry is append-only'); END
    """,
]

SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in ("journal_entry_balanced", "posting_entry_sealed", "posting_no_update",
                 "posting_no_delete", "journal_entry_no_update", "journal_entry_no_delete")
]


def _run(statements: list[str]) -> None:
    for sql in statements:
        op.execute(sql)


def upgrade() -> None:
    _run(PG_UP if op.get_bind().dialect.name == "postgresql" else SQLITE_UP)


def downgrade() -> None:
    _run(PG_DOWN if op.get_bind().dialect.name == "postgresql" else SQLITE_DOWN)
