"""Auth tables: SMS challenges, bearer tokens (stored only as hashes), WeChat bindings."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
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
    Column("channel", String(2), nullable=True),  # H5 | WX: the client the session came from
)

# -- WeChat (auth/docs.md): one openid per customer; the session_key never leaves the server.

wechat_binding = Table(
    "wechat_binding",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("openid_hash", String(64), nullable=False, unique=True),  # Vault lookup hash
    Column("openid_enc", Text, nullable=False),
    Column("unionid_enc", Text, nullable=True),
    Column("customer_id", BigInteger, ForeignKey("customer.id"), nullable=False, unique=True),
    Column("session_key_enc", Text, nullable=False),  # the latest, Vault-encrypted
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

wechat_login = Table(  # every wx.login code offered: the rate limit's log and pending sessions
    "wechat_login",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("device_id", String(64), nullable=False),
    Column("ip", String(45), nullable=False),
    Column("outcome", String(16), nullable=False),  # token | needs_phone | refused
    Column("error_code", String(32), nullable=True),
    Column("openid_hash", String(64), nullable=True),
    Column("openid_enc", Text, nullable=True),
    Column("unionid_enc", Text, nullable=True),
    Column("session_key_enc", Text, nullable=True),
    Column("session_hash", String(64), nullable=True, unique=True),  # SHA-256 of wechat_session
    Column("customer_id", BigInteger, nullable=True),
    Column("attempts", SmallInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Index("ix_wechat_login_device", "device_id", "created_at"),
    Index("ix_wechat_login_ip", "ip", "created_at"),
)

sandbox_wechat_code = Table(  # sandbox only: codes as wx.login and the phone button make them
    "sandbox_wechat_code",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("kind", String(8), nullable=False),  # login | phone
    Column("openid", String(64), nullable=True),
    Column("unionid", String(64), nullable=True),
    Column("phone", String(20), nullable=True),
    Column("fail_errcode", Integer, nullable=True),  # simulate WeChat refusing this code
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
)
