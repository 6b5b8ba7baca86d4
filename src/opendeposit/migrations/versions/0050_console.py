"""console: staff MFA and first-login state, hash-chained append-only audit log, customer search
keys, account status history, rate change proposals

The audit log gains a chain, a sequence and a hash link per row; rows written before this
revision are chained here, in id order, then UPDATE and DELETE are refused by triggers
(PostgreSQL and SQLite), like the journal's.

Revision ID: 0050_console
Revises: 0020_identity
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from opendeposit.audit.domain import AuditFields, chain_for, chain_hash, content_digest

revision = "0050_console"
down_revision = "0020_identity"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)

PG_TRIGGERS = [
    """
    CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = '23514';
    END $$
    """,
    """
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
    """,
]
SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
    """,
    """
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
    """,
]


def upgrade() -> None:
    _staff()
    _customers_and_accounts()
    _rate_changes()
    _audit()


def _staff() -> None:
    with op.batch_alter_table("staff") as b:
        b.add_column(sa.Column("password_change_required", sa.Boolean(), nullable=False,
                               server_default=sa.false()))
        b.add_column(sa.Column("password_changed_at", TS, nullable=True))
        b.add_column(sa.Column("mfa_secret_enc", sa.Text(), nullable=True))
        b.add_column(sa.Column("mfa_confirmed_at", TS, nullable=True))
        b.add_column(sa.Column("mfa_last_step", sa.BigInteger(), nullable=True))
        b.add_column(sa.Column("updated_at", TS, nullable=True))


def _customers_and_accounts() -> None:
    with op.batch_alter_table("customer") as b:
        b.add_column(sa.Column("name_hash", sa.String(64), nullable=True))
        b.add_column(sa.Column("id_last4", sa.String(4), nullable=True))
        b.create_index("ix_customer_name_hash", ["name_hash"])
        b.create_index("ix_customer_id_last4", ["id_last4"])
    op.create_table(
        "account_status_change",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("from_status", sa.String(24), nullable=False),
        sa.Column("to_status", sa.String(24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"],
                                name=op.f("fk_account_status_change_account_id_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_status_change")),
    )
    op.create_index("ix_account_status_change_account", "account_status_change",
                    ["account_id", "id"])


def _rate_changes() -> None:
    op.create_table(
        "rate_change",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("term_months", sa.SmallInteger(), nullable=False),
        sa.Column("board_rate", sa.String(12), nullable=False),
        sa.Column("ceiling", sa.String(12), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("proposed_by", sa.BigInteger(), nullable=False),
        sa.Column("proposed_at", TS, nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_change")),
    )
    op.create_index("ix_rate_change_status", "rate_change", ["status", "id"])


def _audit() -> None:
    op.create_table(
        "audit_chain",
        sa.Column("chain", sa.SmallInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_chain")),
    )
    with op.batch_alter_table("audit_log") as b:
        b.add_column(sa.Column("reason", sa.Text(), nullable=False, server_default=""))
        for name, type_ in (("chain", sa.SmallInteger()), ("seq", sa.BigInteger()),
                            ("prev_hash", sa.String(64)), ("hash", sa.String(64))):
            b.add_column(sa.Column(name, type_, nullable=True))
    _chain_existing_rows()
    with op.batch_alter_table("audit_log") as b:
        for name in ("chain", "seq", "prev_hash", "hash"):
            b.alter_column(name, nullable=False)
        b.create_unique_constraint("uq_audit_log_chain_seq", ["chain", "seq"])
        b.create_index("ix_audit_log_subject", ["subject", "id"])
        b.create_index("ix_audit_log_actor", ["actor", "id"])
    bind = op.get_bind()
    for sql in PG_TRIGGERS if bind.dialect.name == "postgresql" else SQLITE_TRIGGERS:
        op.execute(sql)


def _chain_existing_rows() -> None:
    """Link the rows written before this revision, in id order, into their chains."""
    bind = op.get_bind()
    log = sa.table("audit_log", sa.column("id"), sa.column("at", TS), sa.column("actor"),
                   sa.column("action"), sa.column("subject"), sa.column("detail"),
                   sa.column("chain"), sa.column("seq"), sa.column("prev_hash"),
                   sa.column("hash"))
    heads: dict[int, tuple[int, str]] = {}
    for r in bind.execute(sa.select(log).order_by(log.c.id)).all():
        chain = chain_for(r.subject)
        seq, prev = heads.get(chain, (0, "0" * 64))
        fields = AuditFields(at=r.at, actor=r.actor, action=r.action, subject=r.subject,
                             detail=r.detail, reason="")
        link = chain_hash(prev, content_digest(chain=chain, seq=seq + 1, fields=fields))
        bind.execute(log.update().where(log.c.id == r.id).values(
            chain=chain, seq=seq + 1, prev_hash=prev, hash=link))
        heads[chain] = (seq + 1, link)
    chains = sa.table("audit_chain", sa.column("chain"), sa.column("seq"),
                      sa.column("head_hash"))
    for chain, (seq, link) in sorted(heads.items()):
        bind.execute(chains.insert().values(chain=chain, seq=seq, head_hash=link))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    with op.batch_alter_table("audit_log") as b:
        b.drop_index("ix_audit_log_actor")
        b.drop_index("ix_audit_log_subject")
        b.drop_constraint("uq_audit_log_chain_seq", type_="unique")
        for name in ("hash", "prev_hash", "seq", "chain", "reason"):
            b.drop_column(name)
    op.drop_table("audit_chain")
    op.drop_index("ix_rate_change_status", table_name="rate_change")
    op.drop_table("rate_change")
    op.drop_index("ix_account_status_change_account", table_name="account_status_change")
    op.drop_table("account_status_change")
    with op.batch_alter_table("customer") as b:
        b.drop_index("ix_customer_id_last4")
        b.drop_index("ix_customer_name_hash")
        b.drop_column("id_last4")
        b.drop_column("name_hash")
    with op.batch_alter_table("staff") as b:
        for name in ("updated_at", "mfa_last_step", "mfa_confirmed_at", "mfa_secret_enc",
                     "password_changed_at", "password_change_required"):
            b.drop_column(name)
