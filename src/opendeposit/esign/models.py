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
    # 0: the receipt the booking asked for; n: the n-th re-issue by staff (same booking)
    Column("reissue_no", Integer, nullable=False, server_default="0"),
    Column("transaction_serial", String(64), nullable=True),  # 交易流水号 as printed
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
    Column("supersedes", String(24), nullable=True),  # the receipt this re-issue replaces
    Column("superseded_by", String(24), nullable=True),  # set when its re-issue is signed
    Column("reissue_reason", String(500), nullable=True),
    Column("reissued_by", String(64), nullable=True),  # staff:{id}
    # one receipt per booked movement from the bus, ever; re-issues count on from 1
    UniqueConstraint("reference", "kind", "reissue_no"),
    Index("ix_esign_receipt_customer", "customer_id", "id"),
    Index("ix_esign_receipt_business_date", "business_date", "id"),
    Index("ix_esign_receipt_transaction_serial", "transaction_serial"),
)

receipt_counter = Table(
    "esign_receipt_counter",
    metadata,
    Column("business_date", Date, primary_key=True),
    Column("last_seq", Integer, nullable=False),
)
