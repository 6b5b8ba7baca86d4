"""Risk tables: rule versions, per-customer/device/IP history summaries, decisions with their
evidence, alerts, cases, watch lists, step-ups, holds, ratings and large-value report lines.

Retention (domain.md §6.2, §11.11: ≥ 10 years): nothing here is ever deleted — the migration
adds database triggers that refuse DELETE on every record table, and UPDATE on the ones that
are append-only (rule versions, decisions, staff actions, ratings, report lines).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
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

risk_rule_version = Table(
    "risk_rule_version",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("action", String(8), nullable=False),
    Column("thresholds", Text, nullable=False),  # JSON {name: int}
    Column("enabled", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# One row per customer: the history summary (history.CustomerHistory as JSON), the lookup
# hashes the watch lists are matched on, and the current risk rating.
risk_profile = Table(
    "risk_profile",
    metadata,
    Column("customer_id", BigInteger, primary_key=True),
    Column("account_id", BigInteger, nullable=True),
    Column("phone_hash", String(64), nullable=True),
    Column("id_number_hash", String(64), nullable=True),
    Column("card_hash", String(64), nullable=True),
    Column("history", Text, nullable=False),
    Column("last_move_on", Date, nullable=True),  # Beijing date of the last customer move
    Column("rating", String(8), nullable=True),
    Column("rating_reasons", Text, nullable=True),
    Column("rated_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_risk_profile_last_move", "last_move_on"),
)

# The device registry: every server-issued device id seen with a customer.
risk_device = Table(
    "risk_device",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("first_ip", String(45), nullable=True),
    Column("history", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

risk_ip = Table(
    "risk_ip",
    metadata,
    Column("ip", String(45), primary_key=True),
    Column("history", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

risk_decision = Table(
    "risk_decision",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("customer_id", BigInteger, nullable=False),
    Column("kind", String(24), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("action", String(8), nullable=False),
    Column("ruleset", String(16), nullable=False),
    Column("hits", Text, nullable=False),  # JSON [{code, version, action, evidence}]
    Column("facts", Text, nullable=False),  # JSON summary of what was looked at
    Column("device_id", String(64), nullable=True),
    Column("ip", String(45), nullable=True),
    Column("reference", String(64), nullable=False),
    Column("step_up_id", String(32), nullable=True),
    Column("stepped_up", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_risk_decision_customer", "customer_id", "id"),
)

risk_case = Table(
    "risk_case",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("customer_id", BigInteger, nullable=False),
    Column("kind", String(24), nullable=False),  # suspicious_transaction
    Column("status", String(12), nullable=False),  # open | blocked | closed
    Column("reason", Text, nullable=False),
    Column("opened_by", String(64), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_risk_case_customer", "customer_id", "status"),
)

risk_alert = Table(
    "risk_alert",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("decision_id", BigInteger, ForeignKey("risk_decision.id"), nullable=False),
    Column("customer_id", BigInteger, nullable=False),
    Column("rule_code", String(40), nullable=False),
    Column("rule_version", Integer, nullable=False),
    Column("action", String(8), nullable=False),
    Column("evidence", Text, nullable=False),
    # open | escalated | dismissed | blocked | cleared (the customer passed the step-up)
    Column("status", String(12), nullable=False),
    Column("case_id", BigInteger, ForeignKey("risk_case.id"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_risk_alert_status", "status", "id"),
    Index("ix_risk_alert_customer", "customer_id", "id"),
)

risk_alert_action = Table(
    "risk_alert_action",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("alert_id", BigInteger, ForeignKey("risk_alert.id"), nullable=False),
    Column("decision", String(12), nullable=False),  # dismiss | escalate | block | clear
    Column("reason", Text, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_risk_alert_action_alert", "alert_id"),
)

risk_list_import = Table(
    "risk_list_import",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("list", String(16), nullable=False),
    Column("mode", String(8), nullable=False),  # add | replace
    Column("file_sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("deactivated", Integer, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

risk_watchlist = Table(
    "risk_watchlist",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("list", String(16), nullable=False),  # id_number | phone | card | device
    Column("value_hash", String(64), nullable=False),  # Vault lookup hash of the value
    Column("value_masked", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("source", String(64), nullable=False),
    Column("import_id", BigInteger, ForeignKey("risk_list_import.id"), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("deactivated_at", DateTime(timezone=True), nullable=True),
    Index("ix_risk_watchlist_hash", "value_hash", "active"),
    Index("ix_risk_watchlist_list", "list", "active"),
)

risk_step_up = Table(
    "risk_step_up",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("customer_id", BigInteger, nullable=False),
    Column("operation", String(32), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("methods", String(32), nullable=False),  # "face,sms"
    Column("status", String(12), nullable=False),  # pending | verified | used | failed
    Column("method", String(8), nullable=True),  # how it was passed
    Column("reason", String(64), nullable=False),  # the rule codes that asked for it
    Column("decision_id", BigInteger, nullable=True),
    Column("challenge", Text, nullable=True),  # the live face challenge (JSON)
    Column("attempts", SmallInteger, nullable=False),
    Column("evidence", Text, nullable=True),  # JSON: scores, models, evidence blob ids
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("verified_at", DateTime(timezone=True), nullable=True),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Index("ix_risk_step_up_customer", "customer_id", "created_at"),
)

# A money move a rule put on hold (phase 2 posts the money into a holding account).
risk_hold = Table(
    "risk_hold",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("customer_id", BigInteger, nullable=False),
    Column("decision_id", BigInteger, ForeignKey("risk_decision.id"), nullable=False),
    Column("operation", String(32), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("reference", String(64), nullable=False),
    Column("idempotency_key", String(64), nullable=True),  # the customer's key of the call
    Column("status", String(12), nullable=False),  # held | released | returned
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("decided_by", String(64), nullable=True),
    Column("reason", Text, nullable=True),
    Index("ix_risk_hold_status", "status", "id"),
    Index("ix_risk_hold_customer", "customer_id", "status"),
)

risk_rating = Table(
    "risk_rating",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("customer_id", BigInteger, nullable=False),
    Column("level", String(8), nullable=False),
    Column("reasons", Text, nullable=False),  # JSON list of reason codes
    Column("trigger", String(32), nullable=False),  # opening | alert | staff | watchlist | ...
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_risk_rating_customer", "customer_id", "id"),
)

risk_large_value_run = Table(
    "risk_large_value_run",
    metadata,
    Column("business_date", Date, primary_key=True),
    Column("lines", Integer, nullable=False),
    Column("produced_by", String(64), nullable=False),
    Column("produced_at", DateTime(timezone=True), nullable=False),
)

risk_large_value_line = Table(
    "risk_large_value_line",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("business_date", Date, nullable=False),
    Column("customer_id", BigInteger, nullable=False),
    Column("direction", String(3), nullable=False),  # in | out
    Column("total", BigInteger, nullable=False),
    Column("transactions", Text, nullable=False),  # JSON [{id, amount, kind}]
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("business_date", "customer_id", "direction"),
    Index("ix_risk_large_value_line_customer", "customer_id", "business_date"),
)

# Tables whose rows are never deleted, and those never updated either (see the migration).
KEPT = ("risk_rule_version", "risk_decision", "risk_case", "risk_alert", "risk_alert_action",
        "risk_list_import", "risk_watchlist", "risk_step_up", "risk_hold", "risk_rating",
        "risk_large_value_run", "risk_large_value_line", "risk_device", "risk_profile")
APPEND_ONLY = ("risk_rule_version", "risk_decision", "risk_alert_action", "risk_rating",
               "risk_large_value_line", "risk_list_import")
