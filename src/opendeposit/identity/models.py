"""Identity tables: applications, append-only evidence with encrypted blobs, review cases, the
blacklist. Personal data is encrypted (Vault); nothing here is ever deleted (domain.md §11.11)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from opendeposit.db import BigId, metadata

onboarding_application = Table(
    "onboarding_application",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("customer_id", BigInteger, ForeignKey("customer.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),  # bumped on every change (optimistic lock)
    Column("device_id", String(64), nullable=False),
    Column("ip", String(45), nullable=False),
    Column("id_number_hash", String(64), nullable=True),  # Vault lookup hash
    Column("personal_enc", Text, nullable=True),  # encrypted JSON: name, ID, address, card, ...
    Column("state", Text, nullable=False),  # JSON without personal data: scores, attempts, flags
    Column("decision_reasons", Text, nullable=True),  # JSON list of reason codes
    Column("rule_version", String(16), nullable=True),
    Column("account_id", BigInteger, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("channel", String(2), nullable=True),  # H5 | WX (migration 0080_wechat)
    Index("ix_onboarding_application_customer", "customer_id", "status"),
    Index("ix_onboarding_application_device", "device_id", "created_at"),
    Index("ix_onboarding_application_ip", "ip", "created_at"),
    Index("ix_onboarding_application_id_hash", "id_number_hash"),
)

onboarding_blob = Table(
    "onboarding_blob",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False),  # of the plaintext, for integrity and replay
    Column("content_type", String(32), nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),  # Fernet token of the bytes (data key)
    Column("created_at", DateTime(timezone=True), nullable=False),
)

onboarding_evidence = Table(
    "onboarding_evidence",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("application_id", BigInteger, ForeignKey("onboarding_application.id"),
           nullable=False),
    Column("step", String(16), nullable=False),
    Column("kind", String(32), nullable=False),  # id_front, ocr_front, selfie, face_match, ...
    Column("blob_id", BigInteger, ForeignKey("onboarding_blob.id"), nullable=True),
    Column("detail_enc", Text, nullable=True),  # encrypted JSON: OCR output, scores, answers
    Column("model", String(120), nullable=True),  # model or service name and version
    Column("outcome", String(32), nullable=True),  # ok | a problem code
    Column("actor", String(64), nullable=False),  # customer:1 | staff:2 | system
    Column("device_id", String(64), nullable=True),
    Column("ip", String(45), nullable=True),
    Column("location_enc", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_onboarding_evidence_app", "application_id", "id"),
)

onboarding_review = Table(
    "onboarding_review",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("application_id", BigInteger, ForeignKey("onboarding_application.id"),
           nullable=False, unique=True),
    Column("status", String(24), nullable=False),  # pending | second_approval | approved | rejected
    Column("reasons", Text, nullable=False),  # JSON list of reason codes that sent it here
    Column("first_staff_id", BigInteger, nullable=True),  # first reviewed or escalated it
    Column("first_action", String(16), nullable=True),  # approve | escalate
    Column("first_note", Text, nullable=True),
    Column("first_at", DateTime(timezone=True), nullable=True),
    Column("decided_by", BigInteger, nullable=True),
    Column("decision_note", Text, nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_onboarding_review_status", "status", "id"),
)

identity_blacklist = Table(
    "identity_blacklist",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # id_number | phone | device | card
    Column("value_hash", String(64), nullable=False),  # Vault lookup hash of the value
    Column("reason", Text, nullable=False),
    Column("source", String(64), nullable=False),  # e.g. 惩戒名单, police, internal
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_identity_blacklist_lookup", "kind", "value_hash"),
)

liveness_frame_seen = Table(
    "liveness_frame_seen",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("application_id", BigInteger, nullable=False),
    Column("attempt", Integer, nullable=False),  # the face attempt's number in the application
    Column("kind", String(16), nullable=False),  # selfie | frame
    Column("sha256", String(64), nullable=False),  # of the uploaded bytes: an exact replay
    Column("phash", BigInteger, nullable=False),  # 64-bit DCT hash of the aligned face
    # the hash's four 16-bit bands: a near copy (≤ 3 bits apart) shares at least one of them
    Column("b0", Integer, nullable=False),
    Column("b1", Integer, nullable=False),
    Column("b2", Integer, nullable=False),
    Column("b3", Integer, nullable=False),
    Column("thumb", LargeBinary, nullable=False),  # 16×16 grey aligned face: confirms a match
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_liveness_frame_seen_sha", "sha256"),
    Index("ix_liveness_frame_seen_b0", "b0"),
    Index("ix_liveness_frame_seen_b1", "b1"),
    Index("ix_liveness_frame_seen_b2", "b2"),
    Index("ix_liveness_frame_seen_b3", "b3"),
)

sandbox_faceid_session = Table(
    "sandbox_faceid_session",
    metadata,
    Column("token", String(64), primary_key=True),  # the simulated vendor's biz token
    Column("reference", String(64), nullable=False),  # what the platform started it for
    Column("status", String(16), nullable=False),  # started | done
    Column("outcome", String(32), nullable=True),  # pass | spoof | timeout ...
    Column("best_frame", LargeBinary, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=True),
)
