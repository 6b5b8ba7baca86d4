"""Product tables: dated board rates and ceilings, the catalog, quota shards, customer positions."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from opendeposit.db import BigId, metadata

# Rates are stored as exact decimal strings ("1.75" = 1.75 % a year), never as floats.
rate_entry = Table(
    "rate_entry",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # time_deposit | large_cd | demand
    Column("term_months", SmallInteger, nullable=False),  # 0 for demand
    Column("board_rate", String(12), nullable=False),
    Column("ceiling", String(12), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("kind", "term_months", "effective_from"),
)

# A proposed rate change (maker–checker): it enters `rate_entry` only when a second person
# approves it, and never with an effective date before the business date (no backdating).
rate_change = Table(
    "rate_change",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("term_months", SmallInteger, nullable=False),
    Column("board_rate", String(12), nullable=False),
    Column("ceiling", String(12), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("status", String(12), nullable=False),  # pending | approved | rejected
    Column("note", Text, nullable=False),
    Column("proposed_by", BigInteger, nullable=False),
    Column("proposed_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", BigInteger, nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("decision_note", Text, nullable=True),
    Index("ix_rate_change_status", "status", "id"),
)

# status: draft → pending (submitted by a maker) → published (approved by a different checker)
#         → suspended; a suspended product may be submitted and approved again.
product = Table(
    "product",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("term_months", SmallInteger, nullable=False),
    Column("rate", String(12), nullable=False),
    Column("min_amount", BigInteger, nullable=False),
    Column("step_amount", BigInteger, nullable=False),
    Column("max_per_customer", BigInteger, nullable=False),
    Column("total_quota", BigInteger, nullable=False),
    Column("sale_start", Date, nullable=False),
    Column("sale_end", Date, nullable=False),
    Column("service_area", String(200), nullable=False),  # comma-separated prefixes; "" = all
    Column("allow_partial_withdrawal", Boolean, nullable=False),
    Column("allow_rollover", Boolean, nullable=False),
    Column("early_withdrawal_text", Text, nullable=False),
    Column("risk_text", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_by", BigInteger, nullable=False),
    Column("submitted_by", BigInteger, nullable=True),
    Column("approved_by", BigInteger, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
)

# The sales quota split into sub-quotas so that concurrent purchases do not queue on one row.
product_quota_shard = Table(
    "product_quota_shard",
    metadata,
    Column("product_code", String(32), ForeignKey("product.code"), primary_key=True),
    Column("shard", SmallInteger, primary_key=True),
    Column("remaining", BigInteger, nullable=False),
    CheckConstraint("remaining >= 0", name="remaining_non_negative"),
)

# What each customer has bought of each product (the per-customer cap is checked on this row).
deposit_position = Table(
    "deposit_position",
    metadata,
    Column("customer_id", BigInteger, ForeignKey("customer.id"), primary_key=True),
    Column("product_code", String(32), ForeignKey("product.code"), primary_key=True),
    Column("purchased", BigInteger, nullable=False),
)
