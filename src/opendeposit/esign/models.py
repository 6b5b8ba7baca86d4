"""Tables of the signature platform: the receipt record (回单登记簿) and the per-day numbering."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from opendeposit.db import BigId, metadata

SIGNING, ISSUED = "signing", "issued"

receipt = Table(
    "esign_receipt",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("receipt_no", String(24), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    # signing: number reserved, PDF not committed yet (a crash resumes it) | issued
    Column("status", String(16), nullable=False),
    Column("customer_id", BigInteger, nullable=False),
    Column("reference", String(64), nullable=False),  # the journal entry reference
    Column("business_date", Date, nullable=False),
    Column("amount", BigInteger, nullable=False),  # fen
    Column("amount_in_words", String(64), nullable=False),
    Column("verification_code", String(6), nullable=False),
    Column("fields", Text, nullable=False),  # the signed JSON, exactly as embedded
    Column("ledger_entry_hash", String(64), nullable=True),
    Column("sha256", String(64), nullable=True),  # of the final signed PDF
    Column("sm3", String(64), nullable=True),
    Column("sm2_signature", LargeBinary, nullable=True),  # DER, over the final PDF bytes
    Column("pdf_path", String(200), nullable=True),  # key in the receipt store
    Column("pdf_bytes", Integer, nullable=True),
    Column("message_id", String(36), nullable=False),
    Column("trace_id", String(64), nullable=True),  # the request that booked the movement
    Column("issued_at", DateTime(timezone=True), nullable=False),  # printed on the receipt
    Column("signed_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("reference", "kind"),  # one receipt per booked movement, ever
    Index("ix_esign_receipt_customer", "customer_id", "id"),
)

receipt_counter = Table(
    "esign_receipt_counter",
    metadata,
    Column("business_date", Date, primary_key=True),
    Column("last_seq", Integer, nullable=False),
)
