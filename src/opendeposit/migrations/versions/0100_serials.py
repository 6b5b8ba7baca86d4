"""serials: transaction serials (交易流水号) and deposit-certificate numbers (存单编号).

`transaction_serial` holds one row per money movement with the journal entry it quotes; the
numbers come from the `transaction_serial_seq` SEQUENCE (PostgreSQL) or the `serial_counter`
row (SQLite). `holding.certificate_no` is the holding's 存单编号.

Existing rows are backfilled deterministically: every movement entry already in the journal
(top-up, withdrawal hold, purchase, payout, rollover, interest credit) gets a serial numbered
in (created_at, chain, seq) order, dated by the Beijing date of its created_at, channel BT for
what end of day did (maturity payout, rollover, interest credit) and H5 for the rest (the only
client before the mini-program; the request's channel was not recorded); every holding gets
its certificate number from its id and the Beijing year of its created_at. The sequence and
the counter continue after the backfilled numbers.

Revision ID: 0100_serials
Revises: 0020_identity
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

from opendeposit.serials import Channel, certificate_no, transaction_serial

revision = "0100_serials"
down_revision = "0020_identity"
branch_labels = None
depends_on = None

MOVEMENT_KINDS = ("top_up", "withdraw_hold", "deposit_purchase", "deposit_payout",
                  "deposit_rollover", "interest_credit")
BATCH_KINDS = ("deposit_rollover", "interest_credit")
BATCH_EVENTS = ("maturity_payout", "rollover")
WITHDRAW_KINDS = {"withdraw_hold": "withdraw"}


def _utc(ts):
    if isinstance(ts, str):
        ts = datetime.fromisoformat(ts)
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def upgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    op.create_table(
        "transaction_serial",
        sa.Column("serial", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_transaction_serial")),
        sa.UniqueConstraint("entry_hash", name=op.f("uq_transaction_serial_entry_hash")),
    )
    op.create_index("ix_transaction_serial_reference", "transaction_serial", ["reference"])
    op.create_table(
        "serial_counter",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_serial_counter")),
    )
    with op.batch_alter_table("holding", schema=None) as batch_op:
        batch_op.add_column(sa.Column("certificate_no", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_holding_certificate_no", ["certificate_no"], unique=True)

    # --- backfill, in Python (the formats are `opendeposit.serials`'s)
    certificates = [{"c": certificate_no(int(hid), _utc(created)), "i": hid}
                    for hid, created in bind.execute(sa.text(
                        "SELECT id, created_at FROM holding")).all()]
    if certificates:  # one executemany
        bind.execute(sa.text("UPDATE holding SET certificate_no = :c WHERE id = :i"),
                     certificates)
    batch_entries = {h for (h,) in bind.execute(sa.text(
        "SELECT entry_hash FROM holding_event WHERE kind IN ('maturity_payout', 'rollover')"))}
    kinds = ", ".join(f"'{k}'" for k in MOVEMENT_KINDS)
    entries = bind.execute(sa.text(
        f"SELECT kind, reference, hash, created_at FROM journal_entry WHERE kind IN ({kinds}) "
        "ORDER BY created_at, chain, seq")).all()
    rows = []
    for number, (kind, reference, entry_hash, created) in enumerate(entries, start=1):
        batch = kind in BATCH_KINDS or entry_hash in batch_entries
        channel = Channel.BT if batch else Channel.H5
        at = _utc(created)
        serial = transaction_serial(at, channel, number)
        rows.append({"serial": serial, "channel": channel.value,
                     "kind": WITHDRAW_KINDS.get(kind, kind), "reference": reference,
                     "entry_hash": entry_hash, "created_at": at})
    if rows:
        table = sa.table("transaction_serial", *(sa.column(c) for c in rows[0]))
        op.bulk_insert(table, rows)
    if pg:
        op.execute(f"CREATE SEQUENCE transaction_serial_seq START WITH {len(rows) + 1}")
    op.execute(f"INSERT INTO serial_counter (name, value) VALUES "
               f"('transaction_serial', {len(rows)})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS transaction_serial_seq")
    with op.batch_alter_table("holding", schema=None) as batch_op:
        batch_op.drop_index("ix_holding_certificate_no")
        batch_op.drop_column("certificate_no")
    op.drop_table("serial_counter")
    op.drop_index("ix_transaction_serial_reference", table_name="transaction_serial")
    op.drop_table("transaction_serial")
