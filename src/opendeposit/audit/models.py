"""Audit tables: the hash-chained, append-only log and the head of each of its chains."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from opendeposit.db import BigId, metadata

# Append-only: the database refuses UPDATE and DELETE (triggers, migration 0050_console).
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(64), nullable=False),  # customer:12, staff:3, system:eod
    Column("action", String(64), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("chain", SmallInteger, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("chain", "seq"),
    Index("ix_audit_log_subject", "subject", "id"),
    Index("ix_audit_log_actor", "actor", "id"),
)

audit_chain = Table(
    "audit_chain",
    metadata,
    Column("chain", SmallInteger, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
)
