"""Account tables: customers (personal data encrypted), Class II accounts, bound cards, counters."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Table,
    Text,
)

from opendeposit.db import BigId, metadata

customer = Table(
    "customer",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("phone_hash", String(64), nullable=False, unique=True),
    Column("phone_enc", Text, nullable=False),
    Column("name_enc", Text, nullable=True),
    Column("id_number_enc", Text, nullable=True),
    Column("id_number_hash", String(64), nullable=True, index=True),
    Column("name_hash", String(64), nullable=True, index=True),  # staff search by full name
    Column("id_last4", String(4), nullable=True, index=True),  # shown in masks anyway
    Column("birth_date", Date, nullable=True),
    Column("region_code", String(6), nullable=True),
    Column("kyc_status", String(16), nullable=False),  # none | pending | verified | rejected
    Column("pin_hash", Text, nullable=True),
    Column("pin_failed_attempts", SmallInteger, nullable=False, default=0),
    Column("pin_locked_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

account = Table(
    "account",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("customer_id", BigInteger, ForeignKey("customer.id"), nullable=False),
    Column("account_no", String(19), nullable=False, unique=True),
    Column("account_class", String(3), nullable=False),
    Column("status", String(24), nullable=False),
    Column("ledger_code", String(32), ForeignKey("ledger_account.code"), nullable=False),
    Column("chain", SmallInteger, nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("status_reason", Text, nullable=True),
    Index("ix_account_customer_id", "customer_id"),
)

bound_card = Table(
    "bound_card",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("account_id", BigInteger, ForeignKey("account.id"), nullable=False),
    Column("card_enc", Text, nullable=False),
    Column("card_hash", String(64), nullable=False),
    Column("card_last4", String(4), nullable=False),
    Column("bank_name", Text, nullable=False),
    Column("reserved_phone_enc", Text, nullable=False),
    Column("status", String(16), nullable=False),  # active | replaced
    Column("bound_at", DateTime(timezone=True), nullable=False),
    Column("unbound_at", DateTime(timezone=True), nullable=True),
    Index("ix_bound_card_account_id", "account_id"),
)

limit_usage = Table(
    "limit_usage",
    metadata,
    Column("account_id", BigInteger, ForeignKey("account.id"), primary_key=True),
    Column("bucket", String(16), primary_key=True),
    Column("period", String(10), primary_key=True),  # "2025-06-01" (day) or "2025" (year)
    Column("used", BigInteger, nullable=False),
)

account_sequence = Table(
    "account_sequence",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# Staff status changes (freeze, release, suspend, close): who, from what, to what, why. The
# four-eyes rule for releasing a freeze reads who froze the account from here.
account_status_change = Table(
    "account_status_change",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("account_id", BigInteger, ForeignKey("account.id"), nullable=False),
    Column("from_status", String(24), nullable=False),
    Column("to_status", String(24), nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(64), nullable=False),  # staff:3, system:eod, customer:12
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_account_status_change_account", "account_id", "id"),
)

# The audit log moved to its own context; kept importable from here for existing callers.
from opendeposit.audit.models import audit_log  # noqa: E402

__all__ = ["account", "account_sequence", "account_status_change", "audit_log", "bound_card",
           "customer", "limit_usage"]
