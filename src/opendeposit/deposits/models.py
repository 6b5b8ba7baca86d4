"""Deposit tables: holdings, their once-only events, demand-interest accumulators, EOD failures."""

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
)

from opendeposit.db import BigId, metadata

# One row per deposit cycle (持仓/存单). A rollover closes the row and opens a new one, so every
# effect on a holding happens at most once per row. Its ledger account is 2151-<id>; the entry
# that opened it has the reference H<id> (a purchase) or H<previous id>-R (a rollover).
holding = Table(
    "holding",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("customer_id", BigInteger, ForeignKey("customer.id"), nullable=False),
    Column("account_id", BigInteger, ForeignKey("account.id"), nullable=False),
    Column("product_code", String(32), ForeignKey("product.code"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("term_months", SmallInteger, nullable=False),
    Column("principal", BigInteger, nullable=False),
    Column("original_principal", BigInteger, nullable=False),
    Column("rate", String(12), nullable=False),  # locked at opening
    Column("min_amount", BigInteger, nullable=False),  # floor of a partial remainder
    Column("start_date", Date, nullable=False),
    Column("maturity_date", Date, nullable=False),
    Column("status", String(16), nullable=False),  # active|matured|withdrawn|rolled_over
    Column("auto_rollover", Boolean, nullable=False),
    Column("partial_withdrawn", Boolean, nullable=False),
    Column("chain", SmallInteger, nullable=False),
    Column("previous_holding_id", BigInteger, nullable=True),  # the cycle this one rolled from
    Column("interest_paid", BigInteger, nullable=False),
    Column("closed_on", Date, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("certificate_no", String(32), nullable=True),  # 存单编号 (`opendeposit.serials`)
    CheckConstraint("principal > 0", name="principal_positive"),
    Index("ix_holding_certificate_no", "certificate_no", unique=True),
    Index("ix_holding_customer", "customer_id", "id"),
    Index("ix_holding_due", "status", "maturity_date", "id"),
)

# The guard of every effect: (holding, step) is unique, step is "partial" or "close".
holding_event = Table(
    "holding_event",
    metadata,
    Column("holding_id", BigInteger, ForeignKey("holding.id"), primary_key=True),
    Column("step", String(8), primary_key=True),
    Column("kind", String(24), nullable=False),  # partial_withdrawal|early_withdrawal|...
    Column("business_date", Date, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("interest", BigInteger, nullable=False),
    Column("rate_applied", String(12), nullable=False),
    Column("days", Integer, nullable=False),
    Column("new_holding_id", BigInteger, nullable=True),
    Column("entry_hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_holding_event_day", "business_date"),
)

# Daily-balance product (积数) of a Class II balance for one settlement period (ends on
# `settlement_date`); `last_day` makes the day's accrual happen once.
demand_accrual = Table(
    "demand_accrual",
    metadata,
    Column("account_id", BigInteger, ForeignKey("account.id"), primary_key=True),
    Column("settlement_date", Date, primary_key=True),
    Column("balance_product", BigInteger, nullable=False),
    Column("days_accrued", SmallInteger, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("state", String(10), nullable=False),  # accruing | settled | credited
    Column("interest", BigInteger, nullable=True),
    Column("rate", String(12), nullable=True),
    Column("credited_on", Date, nullable=True),
    Index("ix_demand_accrual_state", "state", "settlement_date"),
)

# Items an EOD step could not process; the rest of the batch went on without them.
eod_failure = Table(
    "eod_failure",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("business_date", Date, nullable=False),
    Column("step", String(32), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("code", String(64), nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_eod_failure_day", "business_date", "step"),
)
