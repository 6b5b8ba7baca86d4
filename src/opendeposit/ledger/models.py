"""Ledger tables: accounts, per-shard balances, the hash-chained journal and its postings."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    SmallInteger,
    String,
    Table,
    Text,
)

from opendeposit.db import metadata

ledger_account = Table(
    "ledger_account",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("chart_code", String(8), nullable=False),
    Column("name", Text, nullable=False),
    Column("owner_id", BigInteger, nullable=True),
    Column("non_negative", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Balances live in shards so that bank-side accounts (settlement, in transit) are not one hot
# row: an entry in chain c moves shard c. A per-customer account only ever uses its own chain.
ledger_balance = Table(
    "ledger_balance",
    metadata,
    Column("account_code", String(32), ForeignKey("ledger_account.code"), primary_key=True),
    Column("shard", SmallInteger, primary_key=True),
    Column("balance", BigInteger, nullable=False),
    Column("non_negative", Boolean, nullable=False),
    CheckConstraint("NOT non_negative OR balance >= 0", name="balance_non_negative"),
)

ledger_chain = Table(
    "ledger_chain",
    metadata,
    Column("chain", SmallInteger, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
)

journal_entry = Table(
    "journal_entry",
    metadata,
    Column("chain", SmallInteger, primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("business_date", Date, nullable=False),
    Column("description", Text, nullable=False),
    Column("reference", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_journal_entry_reference", "reference"),
)

posting = Table(
    "posting",
    metadata,
    Column("chain", SmallInteger, primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("line", SmallInteger, primary_key=True),
    Column("account_code", String(32), ForeignKey("ledger_account.code"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("balance_after", BigInteger, nullable=False),
    CheckConstraint("amount <> 0", name="amount_nonzero"),
    # Postings are written before their entry; the entry's insert trigger checks the sum, and
    # this deferred key makes a posting without an entry fail at commit.
    ForeignKeyConstraint(
        ["chain", "seq"],
        ["journal_entry.chain", "journal_entry.seq"],
        deferrable=True,
        initially="DEFERRED",
    ),
    Index("ix_posting_account", "account_code", "chain", "seq"),
)

# 交易流水号: one row per money movement (`opendeposit.serials`), with the journal entry it
# quotes (the customer's statement line; None until a pending top-up posts). The number part
# comes from `transaction_serial_seq` (PostgreSQL) or the `serial_counter` row (SQLite).
transaction_serial = Table(
    "transaction_serial",
    metadata,
    Column("serial", String(32), primary_key=True),
    Column("channel", String(2), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("reference", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=True, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_transaction_serial_reference", "reference"),
)

# Named counters for SQLite, which has no sequences: `value` is the last number drawn.
serial_counter = Table(
    "serial_counter",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
