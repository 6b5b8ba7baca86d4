"""Auth tables: SMS challenges and bearer tokens (stored only as hashes)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, SmallInteger, String, Table

from opendeposit.db import BigId, metadata

sms_challenge = Table(
    "sms_challenge",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("phone_hash", String(64), nullable=False),
    Column("purpose", String(16), nullable=False),  # login | bind_card
    Column("code_hash", String(64), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("ip", String(45), nullable=False),
    Column("attempts", SmallInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Index("ix_sms_challenge_phone", "phone_hash", "created_at"),
    Index("ix_sms_challenge_device", "device_id", "created_at"),
    Index("ix_sms_challenge_ip", "ip", "created_at"),
)

auth_token = Table(
    "auth_token",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("subject_kind", String(8), nullable=False),  # customer | staff
    Column("subject_id", BigInteger, nullable=False),
    Column("roles", String(128), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("last_seen_at", DateTime(timezone=True), nullable=True),  # idle timeout
    Index("ix_auth_token_subject", "subject_kind", "subject_id"),
)
