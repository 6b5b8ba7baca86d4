"""Payment orders: one row per top-up or withdrawal, from initiation to settlement."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
)

from opendeposit.db import BigId, metadata

payment_order = Table(
    "payment_order",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_no", String(32), nullable=False, unique=True),
    Column("account_id", BigInteger, ForeignKey("account.id"), nullable=False),
    Column("customer_id", BigInteger, nullable=False),
    Column("bound_card_id", BigInteger, ForeignKey("bound_card.id"), nullable=False),
    Column("direction", String(8), nullable=False),  # top_up | withdraw
    Column("amount", BigInteger, nullable=False),
    Column("status", String(12), nullable=False),  # initiated | pending | succeeded | failed
    Column("network_ref", String(64), nullable=True),
    Column("failure_code", String(32), nullable=True),
    Column("idempotency_key", String(64), nullable=False),
    Column("business_date", Date, nullable=False),
    Column("entry_hash", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("note", Text, nullable=True),
    Index("ix_payment_order_open", "status", "created_at"),
    Index("ix_payment_order_account", "account_id", "id"),
)
